/** A real SMTP server (smtp-server) for the SMTP backend tests, on 127.0.0.1 and a free port. */
import type { AddressInfo } from 'node:net'
import { SMTPServer, type SMTPServerOptions } from 'smtp-server'

export const USER = 'mailer'
export const PASS = 'correct horse battery staple'

export interface Received {
  from: string
  to: string[]
  user: unknown
  secure: boolean
  raw: string
}

export interface TestSmtpServer {
  port: number
  received: Received[]
  /** Login attempts (usernames), accepted or not. */
  logins: string[]
  /** Connections opened. */
  connections: number
  close(): Promise<void>
}

/** Start a server that requires AUTH PLAIN/LOGIN and records every message it accepts. */
export async function startSmtpServer(options: SMTPServerOptions = {}): Promise<TestSmtpServer> {
  const state = { received: [] as Received[], logins: [] as string[], connections: 0 }
  const server = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    disabledCommands: ['STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    onConnect(_session, callback) {
      state.connections++
      callback()
    },
    onAuth(auth, _session, callback) {
      state.logins.push(auth.username ?? '')
      if (auth.username === USER && auth.password === PASS) return callback(null, { user: USER })
      callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }))
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        state.received.push({
          from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user,
          secure: session.secure,
          raw: Buffer.concat(chunks).toString('latin1'),
        })
        callback()
      })
    },
    ...options,
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.server.address() as AddressInfo
  return {
    port,
    received: state.received,
    logins: state.logins,
    get connections() {
      return state.connections
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
