/**
 * What /proc tells about a contender's processes: the whole tree (a cluster's primary and its
 * workers), its resident memory, the PostgreSQL backends whose CPU is the benchmark's own, and
 * making sure no process of a stopped server is left behind.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { type RunningServer, sleep, stopServer } from '../harness.ts'

/** `pid` and all its descendants (a cluster's workers), found through /proc/<pid>/task/<tid>/children. */
export function processTree(pid: number): number[] {
  const tree: number[] = []
  const pending = [pid]
  while (pending.length > 0) {
    const current = pending.pop()!
    tree.push(current)
    let tasks: string[]
    try {
      tasks = readdirSync(`/proc/${current}/task`)
    } catch {
      continue // gone meanwhile
    }
    for (const task of tasks) {
      try {
        const children = readFileSync(`/proc/${current}/task/${task}/children`, 'utf8')
        for (const child of children.trim().split(/\s+/)) if (child) pending.push(Number(child))
      } catch {}
    }
  }
  return tree
}

/** VmRSS of one process in bytes (0 when it is gone). */
function rss(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1]
    return kb === undefined ? 0 : Number(kb) * 1024
  } catch {
    return 0
  }
}

/** Resident memory of a server: the sum over its process tree, in bytes. */
export const treeRss = (pid: number): number => processTree(pid).reduce((sum, p) => sum + rss(p), 0)

/** Samples `treeRss(pid)` every `intervalMs` until stopped; `stop()` returns the highest. */
export function sampleRssPeak(pid: number, intervalMs = 200): { stop(): number } {
  let peak = treeRss(pid)
  const timer = setInterval(() => {
    peak = Math.max(peak, treeRss(pid))
  }, intervalMs)
  return {
    stop() {
      clearInterval(timer)
      return Math.max(peak, treeRss(pid))
    },
  }
}

/**
 * Processes named `postgres` (the server and the backends serving the contender's pool): their
 * CPU is part of the measured work, not foreign load. Another user of the same PostgreSQL
 * server would be hidden by this, which is why it is only used for the PostgreSQL runs.
 */
export function postgresPids(): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres')
        pids.push(Number(entry))
    } catch {}
  }
  return pids
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/**
 * SIGTERM to the server (its primary stops the workers), and, when it or any process of its tree
 * is still there after `graceMs`, SIGKILL to each of those pids. Returns what had to be killed,
 * for the report: a contender must stop cleanly.
 */
export async function stopServerTree(server: RunningServer, graceMs = 5000): Promise<string[]> {
  const pid = server.child.pid
  if (pid === undefined) return []
  const tree = processTree(pid)
  const stopped = stopServer(server)
  const timedOut = await Promise.race([stopped.then(() => false), sleep(graceMs).then(() => true)])
  const deadline = Date.now() + (timedOut ? 0 : graceMs)
  while (tree.some(alive) && Date.now() < deadline) await sleep(50)
  const left = tree.filter(alive)
  for (const p of left) {
    try {
      process.kill(p, 'SIGKILL')
    } catch {}
  }
  if (timedOut) await stopped
  const problems: string[] = []
  if (timedOut) problems.push(`did not exit within ${graceMs / 1000} s of SIGTERM (killed)`)
  const workers = left.filter((p) => p !== pid)
  if (workers.length > 0) problems.push(`left ${workers.length} process(es) running (killed)`)
  return problems
}
