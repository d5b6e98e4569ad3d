/**
 * The smallest Plinth app for `coldstart.ts`: one route, default options (so the production
 * logger is loaded, as in the catalogue), served by `plinth start --app` like the example app.
 */
import { createApp } from 'plinth'

export const app = createApp()
app.get('/', () => ({ hello: 'world' }))
