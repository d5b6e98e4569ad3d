/**
 * Testing helpers: `testClient(app)` sends real HTTP/1.1 requests to an app in process (no port),
 * with a cookie jar, JSON/form/multipart helpers and raw-bytes access for framing tests.
 */
export {
  CookieJar,
  type RequestOptions,
  TestClient,
  type TestClientOptions,
  type TestResponse,
  testClient,
} from './client.ts'
export { connectInMemory } from './in-memory-socket.ts'
