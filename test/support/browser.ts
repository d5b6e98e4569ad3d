/**
 * Headless Chromium for browser tests, through playwright-core and the system's Chromium at
 * /usr/bin/chromium.
 *
 * The convention of services.ts: on a developer's machine without Chromium the suite is skipped
 * with the reason; in CI (`CI=true`) a missing browser fails it instead of silently passing.
 *
 * @example
 * describe('docs UI in headless Chromium', { skip: browserSkip('the docs UI browser test') }, () => {
 *   const browser = useBrowser()
 *   it('renders', async () => {
 *     const page = await browser().newPage()
 *     …
 *   })
 * })
 */
import { existsSync } from 'node:fs'
import { after, before } from 'node:test'
import { type Browser, chromium } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'

/** Headless, no sandbox (containers), and no traffic of Chromium's own to other hosts. */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/**
 * The `skip` option of a browser suite: the reason when Chromium is missing on a developer's
 * machine, `false` otherwise. Never a reason in CI: there `useBrowser()` fails the suite.
 */
export function browserSkip(purpose: string): string | false {
  if (existsSync(CHROMIUM) || process.env.CI === 'true') return false
  return `Chromium not found at ${CHROMIUM}; install it to run ${purpose}`
}

/**
 * Launch Chromium before the suite's tests and close it after them; call it at the top of the
 * `describe` body, before hooks that need the browser. Returns the running browser.
 */
export function useBrowser(): () => Browser {
  let browser: Browser | undefined
  before(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`CI=true but Chromium is missing at ${CHROMIUM}.`)
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
  })
  after(async () => {
    await browser?.close()
  })
  return () => {
    if (browser === undefined) throw new Error('useBrowser(): the browser is not launched yet')
    return browser
  }
}
