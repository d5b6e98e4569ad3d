/**
 * Running an app on `node:http`: the server factory with safe timeouts, `serve()` with graceful
 * shutdown, and the cluster runner.
 */
export {
  type CreatedServer,
  createServer,
  resolveServerOptions,
  type ServerOptions,
} from './create-server.ts'
