/**
 * An in-memory connection to an `http.Server`: the server parses real HTTP/1.1 bytes with Node's
 * own parser (framing, header limits, timeouts), but no port is opened.
 */
import type { Server } from 'node:http'
import { type Duplex, duplexPair } from 'node:stream'

type SocketLike = Duplex & Record<string, unknown>

function socketMethods(socket: SocketLike, remoteAddress: string): SocketLike {
  socket.remoteAddress = remoteAddress
  socket.remotePort = 40_000 + Math.floor(Math.random() * 20_000)
  socket.remoteFamily = remoteAddress.includes(':') ? 'IPv6' : 'IPv4'
  socket.localAddress = '127.0.0.1'
  socket.localPort = 80
  socket.encrypted = false
  socket.setTimeout = function setTimeout() {
    return this
  }
  socket.setNoDelay = function setNoDelay() {
    return this
  }
  socket.setKeepAlive = function setKeepAlive() {
    return this
  }
  socket.ref = function ref() {
    return this
  }
  socket.unref = function unref() {
    return this
  }
  return socket
}

/** Open an in-memory connection to `server`; returns the client end. */
export function connectInMemory(server: Server, remoteAddress = '127.0.0.1'): Duplex {
  const [client, serverSide] = duplexPair()
  socketMethods(serverSide as SocketLike, remoteAddress)
  socketMethods(client as SocketLike, '127.0.0.1')
  // duplexPair only forwards end-of-input; a real socket's close is seen by both ends, so a client
  // that disconnects mid-request aborts the request on the server as it would over TCP.
  client.once('close', () => serverSide.destroy())
  serverSide.once('close', () => client.destroy())
  server.emit('connection', serverSide)
  return client
}
