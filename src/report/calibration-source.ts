// Which calibration profile the report's predictions use: the one fitted from the report's own kernel
// suite (the fit bench:kernel writes to calibration.json), else the checked-in reference profile.
import { readProfile, REFERENCE_PROFILE } from "../calibrate/load";
import { buildProfile } from "../calibrate/profile";
import { Profile } from "../calibrate/schema";
import { CaseResult, casesOf } from "./cases";

export interface Calibration {
  profile?: Profile;
  from: string;
  problem?: string;
}

/**
 * This report's kernel suite when it has one (the same fit as calibration.json), else the checked-in
 * reference profile.
 */
export function calibration(all: CaseResult[]): Calibration {
  const kernel = casesOf(all, "kernel");
  if (kernel.length > 0)
    return {
      profile: buildProfile({ cases: kernel }, "this report's kernel suite"),
      from: "the profile fitted from this report's kernel suite (the fit `npm run bench:kernel` writes to calibration.json)",
    };
  try {
    const p = readProfile(REFERENCE_PROFILE);
    return { profile: p, from: `the checked-in reference profile, ${p.name} (no kernel suite in this report)` };
  } catch (err) {
    return { from: "no profile", problem: (err as Error).message };
  }
}
