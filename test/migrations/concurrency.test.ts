/**
 * The concurrency check: two `plinth migrate` processes started together apply each
 * migration exactly once — on PostgreSQL (advisory lock), MariaDB (GET_LOCK) and a SQLite file
 * (one BEGIN IMMEDIATE transaction per migration, record re-read inside it).
 *
 * Each run gets a database of its own (created and dropped here), so the default record table
 * is used exactly as in production. Every fixture migration inserts one row into a counter
 * table; 0002 sleeps to widen the race.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, it } from 'node:test'
import { createDatabase, type Database } from '../../src/orm/index.ts'
import { requireService } from '../support/services.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const CONFIG = resolve(import.meta.dirname, 'fixtures/runner/concurrency/migrations.config.ts')
const MIGRATIONS = ['0001_initial', '0002_slow', '0003_gadget']

interface Outcome {
  code: number | null
  stdout: string
  stderr: string
}

function migrateProcess(url: string): Promise<Outcome> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      ['--conditions=plinth-source', join(ROOT, 'bin/plinth.js'), 'migrate', '--config', CONFIG],
      { cwd: ROOT, env: { ...process.env, MG_RUNNER_URL: url }, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => {
      stdout += chunk
    })
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    child.on('error', fail)
    child.on('close', (code) => done({ code, stdout, stderr }))
  })
}

async function rows(db: Database, sql: string): Promise<Record<string, unknown>[]> {
  return (await db.execute({ sql, params: [], returnsRows: true })).rows
}

async function race(url: string): Promise<void> {
  const outcomes = await Promise.all([migrateProcess(url), migrateProcess(url)])
  for (const o of outcomes) assert.equal(o.code, 0, `migrate failed:\n${o.stdout}\n${o.stderr}`)
  const output = outcomes.map((o) => o.stdout).join('\n')
  for (const name of MIGRATIONS) {
    const applied = output.match(new RegExp(`Applying conc\\.${name}… OK`, 'g')) ?? []
    assert.equal(applied.length, 1, `conc.${name} applied once:\n${output}`)
  }
  const db = createDatabase(url)
  try {
    const counter = await rows(db, 'SELECT migration FROM mg_conc_counter ORDER BY migration')
    assert.deepEqual(
      counter.map((r) => r.migration),
      ['0001', '0002', '0003'],
    )
    const record = await rows(db, 'SELECT module, name FROM plinth_migrations ORDER BY name')
    assert.deepEqual(
      record.map((r) => `${r.module}.${r.name}`),
      MIGRATIONS.map((n) => `conc.${n}`),
    )
  } finally {
    await db.close()
  }
}

describe('two migrate processes started together', () => {
  it('apply each migration once on PostgreSQL', async (t) => {
    if (!(await requireService(t, 'postgres'))) return
    const name = `mg_runner_conc_${process.pid}`
    const admin = createDatabase('postgres://postgres@127.0.0.1:5432/test')
    const exec = async (sql: string) => {
      await admin.execute({ sql, params: [], returnsRows: false })
    }
    try {
      await exec(`DROP DATABASE IF EXISTS ${name}`)
      await exec(`CREATE DATABASE ${name}`)
      await race(`postgres://postgres@127.0.0.1:5432/${name}`)
    } finally {
      await exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {})
      await admin.close()
    }
  })

  it('apply each migration once on MariaDB', async (t) => {
    if (!(await requireService(t, 'mariadb'))) return
    const name = `mg_runner_conc_${process.pid}`
    const admin = createDatabase('mysql://root@127.0.0.1:3306/test')
    const exec = async (sql: string) => {
      await admin.execute({ sql, params: [], returnsRows: false })
    }
    try {
      await exec(`DROP DATABASE IF EXISTS ${name}`)
      await exec(`CREATE DATABASE ${name}`)
      await race(`mysql://root@127.0.0.1:3306/${name}`)
    } finally {
      await exec(`DROP DATABASE IF EXISTS ${name}`).catch(() => {})
      await admin.close()
    }
  })

  it('apply each migration once on a SQLite file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plinth-mg-conc-'))
    try {
      // The database file exists before a deploy (opening a brand-new file from two processes
      // at once can fail while the first switches it to WAL).
      const url = `sqlite:${join(dir, 'db.sqlite3')}`
      const db = createDatabase(url)
      await db.execute({ sql: 'SELECT 1', params: [], returnsRows: true })
      await db.close()
      await race(url)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
