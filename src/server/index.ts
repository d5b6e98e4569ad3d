/**
 * Running an app on `node:http`: the server factory with safe timeouts, `serve()` with graceful
 * shutdown and process-level signal/error policy, and `serveCluster()` for a pool of worker
 * processes sharing one port.
 *
 * Builds on `app`, `http` and `logging`; the `plinth start` and `plinth dev` commands are thin
 * layers over this module.
 */
export {
  type ClusterHandle,
  type ClusterOptions,
  resolveWorkerCount,
  serveCluster,
} from './cluster.ts'
export {
  type CreatedServer,
  createServer,
  resolveServerOptions,
  type ServerOptions,
} from './create-server.ts'
export { type DrainResult, drainServer } from './drain.ts'
export { type ServeHandle, type ServeOptions, type ShutdownReport, serve } from './serve.ts'
