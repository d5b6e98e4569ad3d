/**
 * Test helpers that act like a browser filling in the catalogue's forms: read the CSRF token a
 * page rendered, then post the form with it.
 */
import assert from 'node:assert/strict'
import type { TestClient } from 'plinth/testing'

/** The token `{% csrf_token %}` put in the form of `path`. */
export async function formToken(client: TestClient, path: string): Promise<string> {
  const page = await client.get(path)
  const match = /name="csrf_token" value="([^"]+)"/.exec(page.text)
  assert.ok(match, `${path} renders a form with a CSRF token`)
  return match[1]!
}

/** Sign up through the form (which logs the new user in). */
export async function signUp(
  client: TestClient,
  username: string,
  password = 'correct horse battery staple',
) {
  const csrf_token = await formToken(client, '/signup')
  const res = await client.post('/signup', {
    form: {
      csrf_token,
      username,
      email: `${username}@example.com`,
      password,
      passwordConfirm: password,
    },
  })
  assert.equal(res.status, 303, res.text)
  return res
}
