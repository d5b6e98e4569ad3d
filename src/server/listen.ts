/**
 * Binding a server to a port, with listen failures turned into errors that say what to do, and
 * the URL a client on this machine can use to reach it.
 */

import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { isIPv6 } from 'node:net'
import { PlinthError } from '../http/index.ts'

/** Check a port option: an integer from 0 (any free port) to 65535. */
export function assertPort(port: unknown, source = 'port'): asserts port is number {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new PlinthError(
      'PLINTH_SERVER_INVALID_PORT',
      `Option "${source}" must be an integer from 0 to 65535 (0 picks a free port), got ${JSON.stringify(port)}.`,
    )
  }
}

/** Start listening; resolves with the bound address, rejects with a `PlinthError` on failure. */
export function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening)
      reject(listenError(error, port, host))
    }
    const onListening = () => {
      server.off('error', onError)
      resolve(server.address() as AddressInfo)
    }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen(port, host)
  })
}

function listenError(error: NodeJS.ErrnoException, port: number, host: string): Error {
  const where = `${host}:${port}`
  switch (error.code) {
    case 'EADDRINUSE':
      return new PlinthError(
        'PLINTH_SERVER_PORT_IN_USE',
        `Port ${port} is already in use on ${host}; stop the process using it or choose another port (--port or PORT).`,
        { cause: error },
      )
    case 'EACCES':
      return new PlinthError(
        'PLINTH_SERVER_PORT_FORBIDDEN',
        `Not allowed to listen on ${where}; ports below 1024 need extra privileges, so choose a port from 1024 up.`,
        { cause: error },
      )
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new PlinthError(
        'PLINTH_SERVER_HOST_UNAVAILABLE',
        `Cannot listen on host "${host}": it is not an address of this machine; use 127.0.0.1 (this machine only) or 0.0.0.0 (all interfaces).`,
        { cause: error },
      )
    default:
      return new PlinthError(
        'PLINTH_SERVER_LISTEN_FAILED',
        `Could not listen on ${where}: ${error.message}`,
        { cause: error },
      )
  }
}

/**
 * The URL a client on this machine uses to reach `address`. A wildcard bind (`0.0.0.0`, `::`) is
 * shown as the loopback address of the same family, because the wildcard is not a destination.
 */
export function localUrl(address: AddressInfo): string {
  let host = address.address
  if (host === '0.0.0.0') host = '127.0.0.1'
  else if (host === '::') host = '::1'
  return `http://${isIPv6(host) ? `[${host}]` : host}:${address.port}`
}
