// Every suite the svcbench command can run, in the order it runs them.
import { lookupSuite } from "./lookup";
import { schedSuite } from "./sched";
import { Suite } from "./suite";
import { syncSuite } from "./sync";

export const SUITES: readonly Suite[] = [lookupSuite, schedSuite, syncSuite];
