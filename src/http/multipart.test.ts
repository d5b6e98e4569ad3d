import assert from 'node:assert/strict'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { readFile, unlink } from 'node:fs/promises'
import type { IncomingMessage } from 'node:http'
import { basename, dirname, join } from 'node:path'
import { Readable } from 'node:stream'
import { describe, it } from 'node:test'
import { gzipSync } from 'node:zlib'
import { createApp } from 'plinth'
import { testClient } from 'plinth/testing'
import {
  BOUNDARY,
  field,
  filePart,
  MULTIPART,
  multipart,
  type Part,
  post,
  TEMP_NAME,
  uploadApp,
  uploadDir,
  waitUntilEmpty,
} from '../../test/support/multipart.ts'
import { parseMediaType } from './content-type.ts'
import { parseMultipart, UploadedFile } from './multipart.ts'

describe('multipart forms', () => {
  it('parses text fields, files and repeated names in body order', async (t) => {
    const client = uploadApp(await uploadDir(t))
    const res = await client.post('/upload', {
      multipart: {
        title: 'Lamp',
        tag: ['red', 'blue'],
        image: new File(['PNG!'], 'lamp.png', { type: 'image/png' }),
        mixed: ['first', new File(['x'], 'second.txt', { type: 'text/plain' })],
      },
    })
    assert.equal(res.status, 200)
    assert.deepEqual(res.json(), {
      title: 'Lamp',
      tag: ['red', 'blue'],
      image: { file: 'lamp.png', size: 4, type: 'image/png', onDisk: false },
      mixed: ['first', { file: 'second.txt', size: 1, type: 'text/plain', onDisk: false }],
    })
  })

  it('keeps non-ASCII field and file names sent as raw UTF-8', async (t) => {
    const client = uploadApp(await uploadDir(t))
    const res = await client.post('/upload', {
      multipart: {
        café: 'crème brûlée',
        文件: new File(['x'], 'résumé 履歴書.pdf', { type: 'application/pdf' }),
      },
    })
    assert.deepEqual(res.json(), {
      café: 'crème brûlée',
      文件: { file: 'résumé 履歴書.pdf', size: 1, type: 'application/pdf', onDisk: false },
    })
  })

  it('gives files as real File objects with their content, type and field name', async (t) => {
    const app = createApp({ logger: false, uploadDir: await uploadDir(t) })
    app.post('/upload', async (ctx) => {
      const form = await ctx.form()
      const file = form.doc as UploadedFile
      return {
        prototype: Object.getPrototypeOf(form),
        isFile: file instanceof File,
        isUploaded: file instanceof UploadedFile,
        text: await file.text(),
        bytes: [...new Uint8Array(await file.arrayBuffer())].slice(0, 3),
        fieldName: file.fieldName,
        path: file.path,
      }
    })
    const res = await testClient(app).post('/upload', {
      multipart: { doc: new File(['héllo'], 'a.txt', { type: 'text/plain' }) },
    })
    assert.deepEqual(res.json(), {
      prototype: null,
      isFile: true,
      isUploaded: true,
      text: 'héllo',
      bytes: [0x68, 0xc3, 0xa9],
      fieldName: 'doc',
      path: null,
    })
  })

  it('keeps a file of exactly fileMemorySize bytes in memory', async (t) => {
    const dir = await uploadDir(t)
    const app = createApp({ logger: false, uploadDir: dir, limits: { fileMemorySize: 1024 } })
    app.post('/upload', async (ctx) => {
      const file = (await ctx.form()).f as UploadedFile
      return { path: file.path, size: file.size, filesInDir: readdirSync(dir).length }
    })
    const res = await testClient(app).post('/upload', {
      multipart: { f: new File([Buffer.alloc(1024, 1)], 'a.bin') },
    })
    assert.deepEqual(res.json(), { path: null, size: 1024, filesInDir: 0 })
  })

  it('spools a file past fileMemorySize to a randomly named temp file with intact content', async (t) => {
    const dir = await uploadDir(t)
    const content = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251))
    const app = createApp({ logger: false, uploadDir: dir, limits: { fileMemorySize: 1024 } })
    app.post('/upload', async (ctx) => {
      const file = (await ctx.form()).f as UploadedFile
      const onDisk = await readFile(file.path!)
      const viaFile = Buffer.from(await file.arrayBuffer())
      return {
        dir: dirname(file.path!),
        tempName: basename(file.path!),
        name: file.name,
        size: file.size,
        diskMatches: onDisk.equals(content),
        fileMatches: viaFile.equals(content),
        existsDuringHandler: existsSync(file.path!),
        mode: (statSync(file.path!).mode & 0o777).toString(8),
      }
    })
    const res = await testClient(app).post('/upload', {
      multipart: {
        f: new File([content], '../../etc/passwd', { type: 'application/octet-stream' }),
      },
    })
    const body = res.json()
    assert.equal(body.dir, dir)
    assert.match(body.tempName, TEMP_NAME)
    assert.deepEqual(
      { ...body, dir: undefined, tempName: undefined },
      {
        dir: undefined,
        tempName: undefined,
        name: 'passwd',
        size: 5000,
        diskMatches: true,
        fileMatches: true,
        existsDuringHandler: true,
        mode: '600',
      },
    )
    assert.deepEqual(await waitUntilEmpty(dir), [])
  })

  it('spools a file one byte over fileMemorySize', async (t) => {
    const dir = await uploadDir(t)
    const client = uploadApp(dir, { fileMemorySize: 1024 })
    const res = await client.post('/upload', {
      multipart: { f: new File([Buffer.alloc(1025)], 'a.bin') },
    })
    assert.deepEqual(res.json().f, {
      file: 'a.bin',
      size: 1025,
      type: 'application/octet-stream',
      onDisk: true,
    })
  })

  it('backs a spooled file by its temp file instead of memory', async (t) => {
    const dir = await uploadDir(t)
    const app = createApp({ logger: false, uploadDir: dir, limits: { fileMemorySize: 16 } })
    app.post('/upload', async (ctx) => {
      const file = (await ctx.form()).f as UploadedFile
      // Nothing was copied into memory: once the file is gone, its content cannot be read.
      await unlink(file.path!)
      const read = await file.text().then(
        () => 'read',
        (error: Error) => error.name,
      )
      return { size: file.size, read }
    })
    const res = await testClient(app).post('/upload', {
      multipart: { f: new File([Buffer.alloc(4096)], 'a') },
    })
    assert.deepEqual(res.json(), { size: 4096, read: 'NotReadableError' })
    assert.deepEqual(readdirSync(dir), [])
  })

  it('removes every spooled file once the response has been sent', async (t) => {
    const dir = await uploadDir(t)
    const seen: string[] = []
    const app = createApp({ logger: false, uploadDir: dir, limits: { fileMemorySize: 10 } })
    app.post('/upload', async (ctx) => {
      const form = await ctx.form()
      for (const value of Object.values(form).flat())
        if (value instanceof UploadedFile) seen.push(value.path!)
      return { files: readdirSync(dir).length }
    })
    const res = await testClient(app).post('/upload', {
      multipart: {
        a: new File(['x'.repeat(100)], 'a'),
        b: [new File(['y'.repeat(100)], 'b'), new File(['z'.repeat(50)], 'c')],
      },
    })
    assert.deepEqual(res.json(), { files: 3 })
    assert.equal(seen.length, 3)
    assert.deepEqual(await waitUntilEmpty(dir), [])
  })

  it('omits a file input left empty but keeps an unnamed file that has content', async (t) => {
    const client = uploadApp(await uploadDir(t))
    const res = await post(
      client,
      multipart([filePart('empty', '', ''), filePart('unnamed', '', 'data'), field('x', '1')]),
    )
    assert.deepEqual(res.json(), {
      unnamed: { file: 'upload', size: 4, type: 'application/octet-stream', onDisk: false },
      x: '1',
    })
  })

  it('uses the essence of a part Content-Type as the file type', async (t) => {
    const client = uploadApp(await uploadDir(t))
    const res = await post(
      client,
      multipart([filePart('f', 'a.txt', 'hi', 'Text/Plain; charset=utf-8')]),
    )
    assert.equal(res.json().f.type, 'text/plain')
  })

  it('decodes text fields with the charset of their part', async (t) => {
    const client = uploadApp(await uploadDir(t))
    const latin1: Part = [
      'Content-Disposition: form-data; name="city"\r\nContent-Type: text/plain; charset=iso-8859-1',
      Buffer.from([0x4d, 0xe1, 0x6c, 0x61, 0x67, 0x61]),
    ]
    const res = await post(client, multipart([latin1, field('utf8', 'Málaga'), field('empty', '')]))
    assert.deepEqual(res.json(), { city: 'Málaga', utf8: 'Málaga', empty: '' })
    const unknown: Part = [
      'Content-Disposition: form-data; name="x"\r\nContent-Type: text/plain; charset=x-unknown',
      'a',
    ]
    const bad = await post(client, multipart([unknown]))
    assert.equal(bad.status, 400)
    assert.equal(bad.json().error.code, 'invalid_multipart')
  })

  it('ignores the preamble and epilogue around the parts', async (t) => {
    const client = uploadApp(await uploadDir(t))
    const body = Buffer.concat([
      Buffer.from('preamble text\r\n'),
      multipart([field('a', '1')]),
      Buffer.from('epilogue'),
    ])
    assert.deepEqual((await post(client, body)).json(), { a: '1' })
  })

  it('decodes a gzip-encoded body and limits its decoded size', async (t) => {
    const client = uploadApp(await uploadDir(t), { multipartSize: 64 * 1024 })
    const body = multipart([field('a', 'compressed'), filePart('f', 'a.txt', 'file')])
    const res = await post(client, gzipSync(body), { 'content-encoding': 'gzip' })
    assert.deepEqual(res.json(), {
      a: 'compressed',
      f: { file: 'a.txt', size: 4, type: 'application/octet-stream', onDisk: false },
    })

    const bomb = gzipSync(multipart([filePart('f', 'zeros.bin', Buffer.alloc(1024 * 1024))]))
    assert.ok(bomb.length < 64 * 1024)
    const refused = await post(client, bomb, { 'content-encoding': 'gzip' })
    assert.equal(refused.status, 413)
    assert.equal(refused.json().error.code, 'payload_too_large')

    const corrupt = await post(client, Buffer.from('not gzip at all'), {
      'content-encoding': 'gzip',
    })
    assert.equal(corrupt.status, 400)
    assert.equal(corrupt.json().error.code, 'invalid_encoding')
    const unknown = await post(client, body, { 'content-encoding': 'compress' })
    assert.equal(unknown.status, 415)
  })

  it('answers 500 upload_failed when the upload directory is unusable', async (t) => {
    const missing = join(await uploadDir(t), 'does-not-exist')
    const client = uploadApp(missing, { fileMemorySize: 10 })
    const res = await post(
      client,
      multipart([field('a', '1'), filePart('f', 'f.bin', 'x'.repeat(100))]),
    )
    assert.equal(res.status, 500)
    assert.equal(res.json().error.code, 'upload_failed')
    assert.doesNotMatch(res.text, /does-not-exist|ENOENT/, 'no server path leaks to the client')
    // Files small enough for memory still work.
    assert.deepEqual(
      (await post(client, multipart([filePart('f', 'f.bin', 'tiny')]))).json().f.size,
      4,
    )
  })

  it('answers 500 instead of hanging when the body was already read another way', async (t) => {
    const app = createApp({ logger: false, uploadDir: await uploadDir(t) })
    app.post('/upload', async (ctx) => {
      await ctx.bytes()
      return Object.keys(await ctx.form())
    })
    const res = await post(testClient(app), multipart([field('a', '1')]))
    assert.equal(res.status, 500)
    assert.equal(res.json().error.code, 'body_already_read')
  })

  it('keeps memory bounded while a fast client streams a large file to disk', async (t) => {
    const dir = await uploadDir(t)
    const total = 64 * 1024 * 1024
    let produced = 0
    async function* body() {
      yield Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="f"; filename="big.bin"\r\n\r\n`,
      )
      while (produced < total) {
        const chunk = Buffer.alloc(64 * 1024, 0x61)
        produced += chunk.length
        yield chunk
      }
      yield Buffer.from(`\r\n--${BOUNDARY}--\r\n`)
    }
    const req = Object.assign(Readable.from(body(), { objectMode: false }), {
      headers: { 'content-type': MULTIPART },
    }) as unknown as IncomingMessage
    let maxLag = 0
    let samples = 0
    const timer = setInterval(() => {
      const [name] = readdirSync(dir)
      if (name === undefined) return
      samples++
      maxLag = Math.max(maxLag, produced - sizeOf(join(dir, name)))
    }, 2)
    const limits = {
      fields: 10,
      fieldSize: 1024,
      files: 1,
      fileSize: total,
      parts: 10,
      multipartSize: total + 1024,
      fileMemorySize: 1024,
    }
    const parsed = await parseMultipart(req, parseMediaType(MULTIPART)!, limits, { uploadDir: dir })
    clearInterval(timer)
    const file = parsed.fields.f as UploadedFile
    assert.equal(file.size, total)
    assert.ok(samples > 0, 'the upload was observed while in progress')
    // Without back-pressure the producer would run ahead by most of the 64 MiB.
    assert.ok(maxLag < 8 * 1024 * 1024, `producer ran ${maxLag} bytes ahead of the disk`)
    await parsed.cleanup()
    assert.deepEqual(readdirSync(dir), [])
  })
})

function sizeOf(path: string): number {
  try {
    return statSync(path).size
  } catch {
    return 0
  }
}
