// What a bench child process holds, for the churn benches (bench/media/churn.mjs, bench/sip/churn.mjs).
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";

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
