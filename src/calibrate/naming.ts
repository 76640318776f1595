// What a profile is called: the machine it was measured on, and the checked-in reference.
import { RunEnv } from "../report/results";

export const CALIBRATION_FILE = "calibration.json";

const machineOf = (e: RunEnv) => `${e.cpu} × ${e.cores}, kernel ${typeof e.kernel === "string" ? e.kernel : "unknown"}`;

/** A profile fitted from a kernel run names the machine and the run's date. */
export const measuredName = (e: RunEnv) => `measured ${e.date.slice(0, 10)} on ${machineOf(e)}`;

/** The checked-in profile is svcbench's reference machine's. */
export const referenceName = (e: RunEnv) =>
  `svcbench reference machine (${machineOf(e)}; kernel run of ${e.date.slice(0, 10)})`;
