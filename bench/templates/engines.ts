/**
 * The contenders of bench/templates.ts: each engine set up as an application would run it in
 * production (templates loaded from memory, compiled or parsed once, autoescaping on), with a
 * render function per page that does nothing but render.
 *
 * Template sources live beside this file, one folder per syntax (`jinja/` for Plinth,
 * `nunjucks/`, `eta/`, `liquid/`); they produce the same HTML from the same data, which
 * bench/templates.ts checks before timing anything. Where an engine's filter differs from
 * Jinja2's, its template says what gives the same output: Nunjucks' and LiquidJS's `truncate`
 * cut at the length and then append "...", so Jinja2's `truncate(40, true)` (which keeps
 * s[:37] + "...", and leaves strings of up to 45 characters alone) is `truncate(37, true)` and
 * `truncate: 40` there, on descriptions that are never 38-45 characters long (see data.ts); and an
 * empty array is true in Nunjucks and LiquidJS (JavaScript's and Ruby's truthiness), so where
 * Jinja2 writes `{% if p.reviews %}` they test the length.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Eta } from 'eta'
import { Liquid } from 'liquidjs'
import nunjucks from 'nunjucks'
import { renderCatalogue, renderFortunes, truncate } from './baseline.ts'
import { type CatalogueData, catalogue, type Fortune, fortunes } from './data.ts'

const HERE = dirname(fileURLToPath(import.meta.url))

export type PageId = 'fortunes' | 'catalogue'

export interface Contender {
  id: string
  label: string
  /** One render of each page, with the data bound. */
  render: Record<PageId, () => string>
}

/** A contender that could not be set up (Plinth while its engine is being written). */
export interface Skipped {
  id: string
  reason: string
}

/**
 * Every file of one syntax's folder, by file name less `strip` (Jinja sources are `x.html.j2`
 * on disk, so that tools reading `.html` leave them alone, and `x.html` to the engine, whose
 * autoescaping follows the extension).
 */
function sources(folder: string, strip = ''): Record<string, string> {
  const dir = join(HERE, folder)
  const files: Record<string, string> = {}
  for (const file of readdirSync(dir)) {
    const name = strip !== '' && file.endsWith(strip) ? file.slice(0, -strip.length) : file
    files[name] = readFileSync(join(dir, file), 'utf8')
  }
  return files
}

const fortunesData: { fortunes: Fortune[] } = { fortunes }
const catalogueData: CatalogueData = catalogue

function baseline(): Contender {
  return {
    id: 'baseline',
    label: 'template literals (hand-written)',
    render: {
      fortunes: () => renderFortunes(fortunesData),
      catalogue: () => renderCatalogue(catalogueData),
    },
  }
}

/** The part of Plinth's template API this benchmark uses (typed here: the module may not exist). */
interface PlinthTemplates {
  createEnvironment(options: { loader: unknown }): {
    render(name: string, context: object): string
  }
  memoryLoader(files: Record<string, string>): unknown
}

async function plinth(): Promise<Contender> {
  // A computed specifier, so that type-checking does not need the module to exist yet.
  const specifier = '../../src/templates/index.ts'
  const mod = (await import(specifier)) as PlinthTemplates
  const env = mod.createEnvironment({ loader: mod.memoryLoader(sources('jinja', '.j2')) })
  // Render each page once here, so that an engine that cannot render them yet is skipped (a
  // wrong page, by contrast, fails the whole run when the outputs are compared).
  env.render('fortunes.html', fortunesData)
  env.render('catalogue.html', catalogueData)
  return {
    id: 'plinth',
    label: 'Plinth (src/templates)',
    render: {
      fortunes: () => env.render('fortunes.html', fortunesData),
      catalogue: () => env.render('catalogue.html', catalogueData),
    },
  }
}

function nunjucksEngine(): Contender {
  const files = sources('nunjucks')
  // An in-memory loader; `noCache: false` lets the environment keep each compiled template.
  const loader: nunjucks.ILoader = {
    getSource: (name) => {
      const src = files[name]
      if (src === undefined) throw new Error(`nunjucks: no template ${name}`)
      return { src, path: name, noCache: false }
    },
  }
  const env = new nunjucks.Environment(loader, { autoescape: true })
  const fortunesPage = env.getTemplate('fortunes.njk', true)
  const cataloguePage = env.getTemplate('catalogue.njk', true)
  return {
    id: 'nunjucks',
    label: `Nunjucks ${version('nunjucks')}`,
    render: {
      fortunes: () => fortunesPage.render(fortunesData),
      catalogue: () => cataloguePage.render(catalogueData),
    },
  }
}

function etaEngine(): Contender {
  const eta = new Eta({ autoEscape: true, cache: true })
  for (const [file, src] of Object.entries(sources('eta'))) {
    eta.loadTemplate(`@${file.replace(/\.eta$/, '')}`, src)
  }
  // Eta has no filters: templates call plain functions handed in with the data.
  const catalogueWithHelpers = { ...catalogueData, helpers: { truncate } }
  return {
    id: 'eta',
    label: `Eta ${version('eta')}`,
    render: {
      fortunes: () => eta.render('@fortunes', fortunesData),
      catalogue: () => eta.render('@catalogue', catalogueWithHelpers),
    },
  }
}

function liquidEngine(): Contender {
  const liquid = new Liquid({ templates: sources('liquid'), outputEscape: 'escape', cache: true })
  const fortunesPage = liquid.parseFileSync('fortunes.liquid')
  const cataloguePage = liquid.parseFileSync('catalogue.liquid')
  return {
    id: 'liquid',
    label: `LiquidJS ${version('liquidjs')}`,
    render: {
      fortunes: () => liquid.renderSync(fortunesPage, fortunesData) as string,
      catalogue: () => liquid.renderSync(cataloguePage, catalogueData) as string,
    },
  }
}

function version(pkg: string): string {
  try {
    const file = join(HERE, '..', '..', 'node_modules', pkg, 'package.json')
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version
  } catch {
    return ''
  }
}

/**
 * Set up the contenders named in `ids` (baseline first). Plinth is skipped, with the reason,
 * when its engine cannot be loaded or set up yet; any other failure is fatal.
 */
export async function loadContenders(
  ids: readonly string[],
): Promise<{ contenders: Contender[]; skipped: Skipped[] }> {
  const contenders: Contender[] = []
  const skipped: Skipped[] = []
  for (const id of ids) {
    if (id === 'baseline') contenders.push(baseline())
    else if (id === 'nunjucks') contenders.push(nunjucksEngine())
    else if (id === 'eta') contenders.push(etaEngine())
    else if (id === 'liquid') contenders.push(liquidEngine())
    else if (id === 'plinth') {
      try {
        contenders.push(await plinth())
      } catch (error) {
        skipped.push({ id, reason: error instanceof Error ? error.message : String(error) })
      }
    } else throw new Error(`bench/templates.ts: unknown contender "${id}"`)
  }
  return { contenders, skipped }
}

export const ALL_CONTENDERS = ['baseline', 'plinth', 'nunjucks', 'eta', 'liquid']
