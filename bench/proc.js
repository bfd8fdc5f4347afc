// What the benches share about processes (not a bench itself: no bench:* script runs it): CPU
// seconds per process tree from /proc, sampled while a run goes on, and a free loopback port.
import * as fs from 'node:fs';
import * as net from 'node:net';

const TICK = 100; // USER_HZ: /proc's clock ticks per second on Linux

/** A process's own CPU seconds and parent pid from /proc; undefined once it is gone. */
export function procStat(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command name, from field 3 (state): ppid is 4, utime and stime 14 and 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / TICK };
  } catch {
    return undefined;
  }
}

/** Pids of the process tree under `root` (from the kernel's children lists; a full /proc scan without them). */
function descendants(root) {
  const out = [];
  const walk = (pid) => {
    let kids;
    try {
      kids = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean);
    } catch {
      return false;
    }
    for (const k of kids) {
      out.push(Number(k));
      walk(k);
    }
    return true;
  };
  if (walk(root)) return out;
  const ppid = new Map();
  for (const d of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    const st = procStat(d);
    if (st) ppid.set(Number(d), st.ppid);
  }
  for (const pid of ppid.keys()) {
    for (let p = ppid.get(pid), i = 0; p > 1 && i < 64; i++, p = ppid.get(p) ?? 0)
      if (p === root) {
        out.push(pid);
        break;
      }
  }
  return out;
}

/**
 * CPU seconds of this bench's process tree while `fn` runs, by role. A short-lived process (ssh's
 * ProxyCommand, which ssh does not wait for, or sshd's per-connection processes) is not counted in
 * any parent's times, so the tree is sampled every 20 ms and each process keeps its last reading
 * (a process loses at most its last 20 ms). `roleOf` names each process's role; every role in
 * `roles` is in the result. Without /proc, all zero.
 */
export async function cpuDuring(fn, roleOf, roles = ['client', 'cluster', 'node']) {
  const seen = new Map(); // pid → { role, base, cpu }
  const sample = () => {
    let tree;
    try {
      tree = descendants(process.pid);
    } catch {
      return;
    }
    // What left the tree (an orphaned ProxyCommand) is still read by its pid until it is gone.
    for (const pid of new Set([...tree, ...seen.keys()])) {
      const st = procStat(pid);
      if (!st) continue;
      const p = seen.get(pid);
      if (p) p.cpu = st.cpu;
      else seen.set(pid, { role: roleOf(pid), base: st.cpu, cpu: st.cpu });
    }
  };
  sample();
  // Processes already running (the dev cluster, the sshd listener) count from now on; new ones from 0.
  const started = new Set(seen.keys());
  const timer = setInterval(sample, 20);
  try {
    const result = await fn();
    sample();
    const cpu = Object.fromEntries(roles.map((r) => [r, 0]));
    for (const [pid, p] of seen) cpu[p.role] = (cpu[p.role] ?? 0) + p.cpu - (started.has(pid) ? p.base : 0);
    return { result, cpu };
  } finally {
    clearInterval(timer);
  }
}

export async function freePort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}
