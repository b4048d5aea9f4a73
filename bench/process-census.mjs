// What a bench's processes hold and spend, read from /proc: sockets for the churn benches
// (bench/media/churn.mjs, bench/sip/churn.mjs), CPU of a process that is not Node (ZLMediaKit, loadgen.c).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat's utime and stime. */
const CLOCK_TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout) || 100;

/** utime + stime so far of the process or thread whose stat file is `statPath` (/proc/<pid>[/task/<tid>]/stat), in ms. */
export function cpuMsOf(statPath) {
  // Fields 14 and 15 of proc(5); splitting after the command name leaves field 3 (state) at index 0.
  const fields = readFileSync(statPath, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/**
 * This process's socket descriptors, and those of them in the kernel's UDP and TCP tables (a
 * socket that never bound is in no table).
 */
export function socketCensus() {
  const inodes = new Set();
  for (const fd of readdirSync("/proc/self/fd")) {
    let target = "";
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      // The descriptor readdir itself used is closed by now.
    }
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode !== undefined) inodes.add(inode);
  }
  // Column 10 of /proc/net/{udp,tcp}[6] is the socket's inode.
  const owned = (...tables) => tables.filter((t) => existsSync(t)).flatMap((t) => readFileSync(t, "utf8").split("\n").slice(1)).filter((line) => inodes.has(line.trim().split(/\s+/)[9])).length;
  return { all: inodes.size, udp: owned("/proc/net/udp", "/proc/net/udp6"), tcp: owned("/proc/net/tcp", "/proc/net/tcp6") };
}
