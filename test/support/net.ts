/**
 * Ports and servers on 127.0.0.1 for tests: listen on a port the OS picks, close a server with
 * its keep-alive connections, find a port nothing listens on.
 */
import type { Server as HttpServer } from 'node:http'
import { createServer, type Server } from 'node:net'

/** Listen on 127.0.0.1 on a port the OS picks; resolves with the port. */
export async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as { port: number }).port
}

/** Close an HTTP server and every connection it still holds (nothing when it never started). */
export async function closeServer(server: HttpServer | undefined): Promise<void> {
  if (server === undefined) return
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
}

/** A port nothing listens on: bind one, then close it. */
export async function closedPort(): Promise<number> {
  const probe = createServer()
  const port = await listen(probe)
  await new Promise((resolve) => probe.close(resolve))
  return port
}
