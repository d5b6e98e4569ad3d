/** The services later suites need are up (skipped locally when absent, a failure in CI). */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isReachable, requireService, SERVICES, type ServiceName } from './support/services.ts'

describe('integration services', () => {
  for (const name of Object.keys(SERVICES) as ServiceName[]) {
    it(`${name} accepts connections`, async (t) => {
      if (!(await requireService(t, name))) return
      assert.equal(await isReachable(name), true)
    })
  }
})
