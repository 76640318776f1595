// svcbench predict --out DIR: predict.json, PREDICT.md and one chart per metric against the number of
// Services, rendered first and each file replaced atomically, so a failed run leaves DIR as it was.
import path from "node:path";
import { logLogLines, renderSvg } from "../report/charts";
import { writeAtomic } from "../report/results";
import { ModePrediction } from "../predict/evaluate";
import { CHART_METRICS, markdown } from "../predict/predict-md";
import { Observed } from "../predict/observed";
import { Prediction } from "../predict/predict";

/** predict.json: the prediction, and the observed metrics with the mode they were compared against. */
export function predictJson(pr: Prediction, observed?: { mode: ModePrediction; obs: Observed }): string {
  return (
    JSON.stringify(observed ? { ...pr, observed: { mode: observed.mode.mode, ...observed.obs } } : pr, null, 2) + "\n"
  );
}

export async function writePredictOut(
  dir: string,
  pr: Prediction,
  command: string,
  observed?: { mode: ModePrediction; obs: Observed },
): Promise<void> {
  const files: [string, string][] = [];
  for (const [field, title, file] of CHART_METRICS) {
    const rows = pr.grid
      .filter((p) => Number.isFinite(p[field] as number) && (p[field] as number) > 0)
      .map((p) => ({ mode: p.mode, services: p.services, value: p[field] as number }));
    const svg = await renderSvg(
      logLogLines(file, title, rows, { field: "services", title: "Services" }, { field: "value", title }, "mode"),
    );
    files.push([path.join(dir, "charts", file), svg]);
  }
  files.push([path.join(dir, "predict.json"), predictJson(pr, observed)]);
  files.push([path.join(dir, "PREDICT.md"), markdown(pr, command, observed)]);
  for (const [f, text] of files) writeAtomic(f, text);
}
