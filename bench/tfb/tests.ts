/**
 * The TechEmpower test types the suite loads, and the levels (concurrency, query count) each is
 * measured at. Cached queries are not run: Plinth has no cache module yet (the report says so).
 */
import { PIPELINE_DEPTH } from '../harness.ts'

export type TestId = 'json' | 'plaintext' | 'db' | 'queries' | 'fortunes' | 'updates'

// TechEmpower's Accept header per kind of response (toolset/test_types/abstract_test_type.py).
const ACCEPT = {
  json: 'application/json,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7',
  html: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  plaintext:
    'text/plain,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7',
}

export interface TfbTest {
  id: TestId
  label: string
  accept: string
  /** HTTP/1.1 pipelining (bench/pipeline.lua, depth 16), as TechEmpower loads plaintext. */
  pipeline: boolean
  /** Whether the target in the report is "≥ 100% of raw, ahead of every peer" (database tests). */
  database: boolean
}

export const TFB_TESTS: TfbTest[] = [
  { id: 'json', label: 'JSON', accept: ACCEPT.json, pipeline: false, database: false },
  {
    id: 'plaintext',
    label: `plaintext (pipelined ×${PIPELINE_DEPTH})`,
    accept: ACCEPT.plaintext,
    pipeline: true,
    database: false,
  },
  { id: 'db', label: 'single query', accept: ACCEPT.json, pipeline: false, database: true },
  {
    id: 'queries',
    label: 'multiple queries',
    accept: ACCEPT.json,
    pipeline: false,
    database: true,
  },
  { id: 'fortunes', label: 'fortunes', accept: ACCEPT.html, pipeline: false, database: true },
  { id: 'updates', label: 'updates', accept: ACCEPT.json, pipeline: false, database: true },
]

export const SKIPPED_TESTS = [
  { id: 'cached-queries', reason: 'skipped: Plinth has no cache module yet' },
]

/** One measured point of a test: the URL path and wrk's connection count. */
export interface Level {
  /** `c=256`, `q=20 c=256`, … (unique within a test). */
  id: string
  path: string
  connections: number
}

export interface LevelOptions {
  connections: number[]
  pipelineConnections: number[]
  queryConnections: number
  queries: number[]
}

/** The levels of a test, in increasing order of load: the last one is the report's headline. */
export function levelsOf(test: TfbTest, options: LevelOptions): Level[] {
  switch (test.id) {
    case 'json':
    case 'db':
    case 'fortunes':
      return options.connections.map((c) => ({ id: `c=${c}`, path: `/${test.id}`, connections: c }))
    case 'plaintext':
      return options.pipelineConnections.map((c) => ({
        id: `c=${c}`,
        path: '/plaintext',
        connections: c,
      }))
    case 'queries':
    case 'updates':
      return options.queries.map((n) => ({
        id: `q=${n} c=${options.queryConnections}`,
        path: `/${test.id}?queries=${n}`,
        connections: options.queryConnections,
      }))
  }
}
