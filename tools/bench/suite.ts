// The benchmark suite: every section, at the sizes of a mode, gathered into one result object
// (what run.ts prints and writes as JSON, and what test/bench.test.ts checks for shape).

import { cpus, loadavg, platform, release, totalmem } from "node:os";
import { FlashSection, flashSection } from "./flash";
import { HostSection, hostSection } from "./host";
import { MemorySection, memorySection } from "./memory";
import { SizesSection, sizesSection } from "./sizes";
import { TtlSection, ttlSection } from "./ttl";

export const MODES = ["full", "quick", "tiny"] as const;
export type Mode = (typeof MODES)[number];
export const SECTIONS = ["host", "flash", "ttl", "memory", "sizes"] as const;
export type SectionName = (typeof SECTIONS)[number];

/** How big each section runs: full for the README, quick for a look, tiny for the test. */
export interface Plan {
  host: { sizes: number[]; rounds: number; queryRepeats: number };
  flash: { pageSizes: number[]; counts: number[]; recoveries: number; laps: number };
  ttl: { sizes: number[]; ks: number[]; rounds: number };
  memory: { sizes: number[] };
}

export const PLANS: Record<Mode, Plan> = {
  full: {
    host: { sizes: [10_000, 100_000], rounds: 5, queryRepeats: 3 },
    flash: { pageSizes: [4096, 65536, 131072], counts: [1000, 10_000, 100_000], recoveries: 3, laps: 4 },
    ttl: { sizes: [1000, 10_000, 100_000], ks: [1, 10, 100, 1000], rounds: 15 },
    memory: { sizes: [10_000, 100_000] },
  },
  quick: {
    host: { sizes: [10_000], rounds: 3, queryRepeats: 2 },
    flash: { pageSizes: [4096, 65536, 131072], counts: [1000, 10_000], recoveries: 3, laps: 2 },
    ttl: { sizes: [1000, 10_000], ks: [1, 10, 100], rounds: 9 },
    memory: { sizes: [10_000] },
  },
  tiny: {
    host: { sizes: [200], rounds: 2, queryRepeats: 1 },
    flash: { pageSizes: [4096], counts: [100], recoveries: 1, laps: 1 },
    ttl: { sizes: [100, 400], ks: [1, 10], rounds: 3 },
    memory: { sizes: [200] },
  },
};

export interface Machine {
  cpu: string;
  cores: number;
  memoryGB: number;
  os: string;
  node: string;
  /** The 1-minute load average when the run started: on a shared machine, how busy it was. */
  load: number;
}

export interface BenchResult {
  schema: 1;
  mode: Mode;
  date: string;
  seconds: number;
  machine: Machine;
  host?: HostSection;
  flash?: FlashSection;
  ttl?: TtlSection;
  memory?: MemorySection;
  sizes?: SizesSection;
}

export interface SuiteOptions {
  mode: Mode;
  sections?: SectionName[];
  /** The package root, where dist/ is read from. */
  root: string;
  log?: (line: string) => void;
}

export function machine(): Machine {
  const c = cpus();
  return {
    cpu: c.length > 0 ? c[0].model.trim() : "unknown",
    cores: c.length,
    memoryGB: Math.round(totalmem() / 1e8) / 10,
    os: platform() + " " + release(),
    node: process.version,
    load: Math.round(loadavg()[0] * 10) / 10,
  };
}

export async function runSuite(o: SuiteOptions): Promise<BenchResult> {
  const plan = PLANS[o.mode];
  const want = o.sections === undefined ? SECTIONS.slice() : o.sections;
  const log = o.log ?? (() => undefined);
  const t0 = performance.now();
  const r: BenchResult = { schema: 1, mode: o.mode, date: new Date().toISOString(), seconds: 0, machine: machine() };
  if (want.includes("host")) r.host = await hostSection(plan.host.sizes, plan.host.rounds, plan.host.queryRepeats, log);
  if (want.includes("flash")) r.flash = flashSection(plan.flash.pageSizes, plan.flash.counts, plan.flash.recoveries, plan.flash.laps, log);
  if (want.includes("ttl")) r.ttl = ttlSection(plan.ttl.sizes, plan.ttl.ks, plan.ttl.rounds, log);
  if (want.includes("memory")) r.memory = memorySection(plan.memory.sizes, log);
  if (want.includes("sizes")) r.sizes = sizesSection(o.root);
  r.seconds = Math.round((performance.now() - t0) / 100) / 10;
  return r;
}
