/**
 * Micro-benchmarks of Plinth's hot path (mitata): route lookup, request parsing, body validation
 * (`micro/validation.ts`), response serialization, and one in-process dispatch without sockets.
 *
 * Every Plinth function is measured next to the baseline a hand-written server would use
 * (`JSON.parse`, `URLSearchParams`, `JSON.stringify`, a linear regex scan), so the table shows the
 * price of Plinth's safety checks rather than absolute numbers that depend on the machine.
 *
 *   npx node --expose-gc bench/micro.ts                      # everything
 *   npx node --expose-gc bench/micro.ts --filter RouteTree   # benchmarks whose name matches
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { parse as parseQuerystring } from 'node:querystring'
import { bench, do_not_optimize, group, run, summary } from 'mitata'
import { createApp, text } from 'plinth'
import { parseCookies, parseJsonBody, parseMediaType, parseUrlEncoded } from 'plinth/http'
import { RouteTree } from 'plinth/routing'
import { compileSerializer, type StandardSchemaV1, toJsonSchema } from 'plinth/validation'
import { z } from 'zod'
import { validationBenchmarks } from './micro/validation.ts'
import { githubRoutes } from './routes/github-api.ts'

if (typeof globalThis.gc !== 'function') {
  console.warn('note: run with --expose-gc (npm run bench does) for steadier numbers\n')
}

function fail(message: string): never {
  throw new Error(`bench/micro.ts: ${message}`)
}

// ---------------------------------------------------------------------------------------------
// Router
// ---------------------------------------------------------------------------------------------

const tree = new RouteTree<number>()
githubRoutes.forEach(([method, pattern], index) => {
  tree.add(method, pattern, index)
})

/** The naive router: one anchored regex per route, tried in registration order. */
const linear = githubRoutes.map(([method, pattern], index) => {
  const source = pattern
    .split('/')
    .map((segment) =>
      segment.startsWith(':')
        ? '([^/]+)'
        : segment.startsWith('*')
          ? '(.*)'
          : segment.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&'),
    )
    .join('/')
  return { method, index, re: new RegExp(`^${source}$`) }
})

function linearFind(method: string, path: string): { value: number; values: string[] } | undefined {
  for (let i = 0; i < linear.length; i++) {
    const route = linear[i]!
    if (route.method !== method) continue
    const match = route.re.exec(path)
    if (match !== null) return { value: route.index, values: match.slice(1) }
  }
  return undefined
}

const lookups: Array<{ name: string; method: string; path: string }> = [
  { name: 'static', method: 'GET', path: '/user/repos' },
  { name: 'short param', method: 'GET', path: '/users/octocat' },
  {
    name: 'deep param',
    method: 'GET',
    path: '/repos/nodejs/node/pulls/51234/reviews/998877/comments',
  },
  { name: 'wildcard', method: 'GET', path: '/repos/nodejs/node/contents/lib/internal/http.js' },
  { name: 'miss', method: 'GET', path: '/repos/nodejs/node/no-such-thing/42' },
]

// Both routers must agree before their speed is compared.
for (const { name, method, path } of lookups) {
  const a = tree.find(method, path)
  const b = linearFind(method, path)
  if (a?.value !== b?.value || String(a?.values) !== String(b?.values)) {
    fail(`router disagreement on ${name} (${path}): tree=${a?.value} linear=${b?.value}`)
  }
  if (name === 'miss' ? a !== undefined : a === undefined) fail(`unexpected result for ${name}`)
}

for (const { name, method, path } of lookups) {
  summary(() => {
    group(`router: ${name} — ${method} ${path} (${githubRoutes.length} routes)`, () => {
      bench(`RouteTree.find (${name})`, () => do_not_optimize(tree.find(method, path))).baseline()
      bench(`linear regex scan (${name})`, () => do_not_optimize(linearFind(method, path)))
    })
  })
}

// ---------------------------------------------------------------------------------------------
// Request parsing
// ---------------------------------------------------------------------------------------------

const JSON_DEPTH = 64 // DEFAULT_LIMITS.jsonDepth

function productJson(i: number, name: string): object {
  return {
    id: 1000 + i,
    sku: `SKU-${(i * 7919).toString(36).toUpperCase()}`,
    name,
    price: Math.round(i * 137.31) / 100,
    inStock: i % 3 !== 0,
    tags: ['tools', 'outdoor', i % 2 ? 'sale' : 'new'],
    dimensions: { width: 10 + i, height: 4, depth: 2.5 },
  }
}

function bodyOfSize(bytes: number, name: string): string {
  const items: object[] = []
  while (JSON.stringify({ items }).length < bytes) items.push(productJson(items.length, name))
  return JSON.stringify({ items })
}

const smallBody = JSON.stringify({
  name: 'Widget',
  price: 9.99,
  tags: ['tools', 'sale'],
  stock: 12,
})
const largeBody = bodyOfSize(10 * 1024, 'Garden hose')
// What Python's json.dumps (ensure_ascii=True) sends for non-ASCII text: \u escapes.
const largeEscapedBody = bodyOfSize(10 * 1024, 'Caf\u00e9 cr\u00e8me').replace(
  /[\u0080-\uffff]/g,
  (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
)
if (!largeEscapedBody.includes('\\u00e9')) fail('the escaped body has no \\u escapes')

const bodies = [
  { name: `small (${smallBody.length} B)`, text: smallBody },
  { name: `10 KB (${largeBody.length} B)`, text: largeBody },
  { name: `10 KB with \\u escapes (${largeEscapedBody.length} B)`, text: largeEscapedBody },
]

for (const { name, text: body } of bodies) {
  if (JSON.stringify(parseJsonBody(body, JSON_DEPTH)) !== JSON.stringify(JSON.parse(body)))
    fail(`parseJsonBody disagrees with JSON.parse on ${name}`)
  summary(() => {
    group(`JSON body: ${name}`, () => {
      bench(`parseJsonBody ${name}`, () => do_not_optimize(parseJsonBody(body, JSON_DEPTH)))
      bench(`JSON.parse ${name}`, () => do_not_optimize(JSON.parse(body))).baseline()
    })
  })
}

const queries = [
  { name: 'plain', text: 'q=red+shoes&page=2&per_page=50&sort=price&order=desc&tag=a&tag=b' },
  {
    name: 'percent-encoded',
    text: 'q=caf%C3%A9+cr%C3%A8me&city=S%C3%A3o+Paulo&next=%2Fcart%3Fstep%3D2&tag=%E2%9C%93',
  },
]

for (const { name, text: query } of queries) {
  summary(() => {
    group(`query string: ${name} (${query.length} B)`, () => {
      bench(`parseUrlEncoded (${name})`, () => do_not_optimize(parseUrlEncoded(query, 1000)))
      bench(`new URLSearchParams (${name})`, () =>
        do_not_optimize(new URLSearchParams(query)),
      ).baseline()
      bench(`querystring.parse (${name})`, () => do_not_optimize(parseQuerystring(query)))
    })
  })
}

const cookieHeader =
  'session=s%3AeyJ1aWQiOjQyfQ.k2J9a8vXc; theme=dark; _ga=GA1.2.1234567890.1700000000; csrftoken=Xy7Qp2LmN8rT4vB6'
group('headers', () => {
  bench('parseCookies (4 cookies)', () => do_not_optimize(parseCookies(cookieHeader)))
  bench('parseMediaType (cached)', () =>
    do_not_optimize(parseMediaType('application/json; charset=utf-8')),
  )
})

// Multipart is not here: `parseMultipart` reads a request stream (Dicer, temp files past a size),
// so a buffer-only timing would mostly measure stream plumbing; it belongs to an HTTP benchmark.

validationBenchmarks()

// ---------------------------------------------------------------------------------------------
// Response serialization
// ---------------------------------------------------------------------------------------------

const Product = z.object({
  id: z.number().int(),
  name: z.string(),
  price: z.number(),
  tags: z.array(z.string()),
})
const Address = z.object({
  street: z.string(),
  city: z.string(),
  postcode: z.string(),
  country: z.string(),
})
const Order = z.object({
  id: z.number().int(),
  status: z.enum(['pending', 'paid', 'shipped']),
  createdAt: z.string(),
  customer: z.object({
    id: z.number().int(),
    name: z.string(),
    email: z.string(),
    vip: z.boolean(),
    address: Address,
  }),
  lines: z.array(z.object({ product: Product, quantity: z.number().int(), subtotal: z.number() })),
  total: z.number(),
})

const product = (i: number) => ({
  id: i,
  name: `Widget ${i}`,
  price: 9.99 + i,
  tags: ['tools', 'sale'],
})
const order = {
  id: 90210,
  status: 'paid' as const,
  createdAt: '2025-11-23T20:03:00.000Z',
  customer: {
    id: 7,
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    vip: true,
    address: { street: '12 Analytical Row', city: 'London', postcode: 'NW1 6XE', country: 'GB' },
  },
  lines: [1, 2, 3].map((i) => ({ product: product(i), quantity: i, subtotal: (9.99 + i) * i })),
  total: 71.94,
}

function serializerFor(schema: StandardSchemaV1) {
  const jsonSchema = toJsonSchema(schema, 'output') ?? fail('zod schema has no JSON Schema')
  return compileSerializer(jsonSchema)
}

const payloads = [
  { name: 'small object', value: product(42), write: serializerFor(Product) },
  { name: 'nested object', value: order, write: serializerFor(Order) },
  {
    name: '100-item array',
    value: Array.from({ length: 100 }, (_, i) => product(i)),
    write: serializerFor(z.array(Product)),
  },
]

for (const { name, value, write } of payloads) {
  if (write(value) !== JSON.stringify(value)) fail(`compiled serializer output differs for ${name}`)
  summary(() => {
    group(`serialize: ${name} (${JSON.stringify(value).length} B)`, () => {
      bench(`compileSerializer (${name})`, () => do_not_optimize(write(value)))
      bench(`JSON.stringify (${name})`, () => do_not_optimize(JSON.stringify(value))).baseline()
    })
  })
}

// ---------------------------------------------------------------------------------------------
// In-process dispatch: app.handler with a fake request/response (no sockets, no HTTP parser).
// The difference to the raw listener is Plinth's own per-request cost.
// ---------------------------------------------------------------------------------------------

const fakeRes = {
  statusCode: 200,
  headersSent: false,
  writableEnded: false,
  writeHead(status: number, headers: unknown) {
    do_not_optimize(status)
    do_not_optimize(headers)
    return this
  },
  end(body: unknown) {
    do_not_optimize(body)
    return this
  },
} as unknown as ServerResponse

function fakeReq(method: string, url: string): IncomingMessage {
  return {
    method,
    url,
    headers: { host: 'localhost', accept: '*/*' },
  } as unknown as IncomingMessage
}

const helloApp = createApp({ logger: false })
helloApp.get('/json', () => ({ message: 'Hello, World!' }))
helloApp.get('/plaintext', () => text('Hello, World!'))
const githubApp = createApp({ logger: false })
for (const [method, pattern] of githubRoutes) {
  githubApp.route(method, pattern, (ctx) => ctx.params)
}
helloApp.ready()
githubApp.ready()

const rawListener = (req: IncomingMessage, res: ServerResponse) => {
  if (req.url === '/json') {
    const body = JSON.stringify({ message: 'Hello, World!' })
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    })
    res.end(body)
  } else {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 13 })
    res.end('Hello, World!')
  }
}

const jsonReq = fakeReq('GET', '/json')
const plainReq = fakeReq('GET', '/plaintext')
const deepReq = fakeReq('GET', '/repos/nodejs/node/pulls/51234/reviews/998877/comments?per_page=10')

summary(() => {
  group('dispatch in-process: GET /json', () => {
    bench('raw listener /json', () => rawListener(jsonReq, fakeRes)).baseline()
    bench('plinth app.handler /json', () => helloApp.handler(jsonReq, fakeRes))
  })
})
summary(() => {
  group('dispatch in-process: GET /plaintext', () => {
    bench('raw listener /plaintext', () => rawListener(plainReq, fakeRes)).baseline()
    bench('plinth app.handler /plaintext', () => helloApp.handler(plainReq, fakeRes))
  })
})
group('dispatch in-process: GitHub table', () => {
  bench('plinth app.handler deep param → ctx.params', () => githubApp.handler(deepReq, fakeRes))
})

// ---------------------------------------------------------------------------------------------

const filterIndex = process.argv.indexOf('--filter')
const filter = filterIndex === -1 ? undefined : new RegExp(process.argv[filterIndex + 1] ?? '')
await run(filter === undefined ? {} : { filter })
