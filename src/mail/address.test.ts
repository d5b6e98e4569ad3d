import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { formatAddress, parseAddress } from './address.ts'
import { MailHeaderError } from './errors.ts'

const parse = (input: Parameters<typeof parseAddress>[0]) => parseAddress(input, 'to')
const refused = (input: Parameters<typeof parseAddress>[0], code: string) =>
  assert.throws(
    () => parse(input),
    (error: unknown) =>
      error instanceof MailHeaderError && error.code === code && error.status === 400,
    JSON.stringify(input),
  )

describe('parseAddress', () => {
  it('accepts the usual forms', () => {
    assert.deepEqual(parse('ann@example.com'), {
      name: '',
      address: 'ann@example.com',
      asciiAddress: 'ann@example.com',
      asciiDomain: 'example.com',
    })
    assert.equal(parse('Ann Lee <ann@example.com>').name, 'Ann Lee')
    assert.equal(parse('  <ann@example.com>  ').address, 'ann@example.com')
    assert.equal(parse('"Lee, Ann" <ann@example.com>').name, 'Lee, Ann')
    assert.equal(parse('"Ann \\"the boss\\" Lee" <ann@example.com>').name, 'Ann "the boss" Lee')
    assert.equal(parse('John Q. Public <jqp@example.com>').name, 'John Q. Public')
    assert.equal(
      parse('first.last+tag@sub.example.co.uk').address,
      'first.last+tag@sub.example.co.uk',
    )
    assert.equal(parse('webmaster@localhost').asciiDomain, 'localhost')
    assert.equal(
      parse({ name: 'Doe, Jane <boss>', address: 'jane@example.com' }).name,
      'Doe, Jane <boss>',
    )
    assert.equal(parse({ address: 'jane@example.com' }).name, '')
  })

  it('keeps internationalised domains and names, and gives the ASCII form for the wire', () => {
    const parsed = parse('Jürgen <juergen@Bücher.de>')
    assert.equal(parsed.name, 'Jürgen')
    assert.equal(parsed.address, 'juergen@Bücher.de')
    assert.equal(parsed.asciiAddress, 'juergen@xn--bcher-kva.de')
    assert.equal(parsed.asciiDomain, 'xn--bcher-kva.de')
  })

  it('refuses non-ASCII local parts (they need SMTPUTF8, which many servers lack)', () => {
    refused('jürgen@example.de', 'invalid_email_address')
  })

  it('refuses a second recipient smuggled into one address', () => {
    for (const input of [
      'a@x.com, b@y.com',
      'a@x.com b@y.com',
      'a@x.com;b@y.com',
      'a@x.com,b@y.com',
      'a@x.com, Bob <b@y.com>',
      'Bob <a@x.com>, c@y.com',
      '<a@x.com>, <b@y.com>',
      'Bob <a@x.com> <b@y.com>',
      '"x" <a@x.com>, "y" <b@y.com>',
      'Bob <a@x.com, b@y.com>',
      'a@x.com <b@y.com>',
      { address: 'a@x.com, b@y.com' },
      { address: 'Bob <b@y.com>' },
    ]) {
      refused(input, 'invalid_email_address')
    }
  })

  it('refuses CR, LF, NUL and other control characters anywhere', () => {
    for (const input of [
      'victim@example.com\r\nBcc: attacker@evil.test',
      'victim@example.com\nBcc: attacker@evil.test',
      'victim@example.com\rBcc: attacker@evil.test',
      'Bob\r\nBcc: attacker@evil.test <bob@example.com>',
      '"Bob\r\nX: y" <bob@example.com>',
      'bob@example.com\u0000',
      'bob@exa\u0085mple.com',
      { name: 'Bob\r\nBcc: attacker@evil.test', address: 'bob@example.com' },
      { address: 'bob@example.com\r\n' },
    ]) {
      refused(input, 'mail_header_injection')
    }
  })

  it('refuses malformed addresses', () => {
    for (const input of [
      '',
      'plainaddress',
      '@example.com',
      'ann@',
      'ann@@example.com',
      'ann@example..com',
      'ann@example.com.',
      'ann@-example.com',
      'ann@[127.0.0.1]',
      'ann@127.0.0.1',
      'ann@intranet',
      '.ann@example.com',
      'ann.@example.com',
      'a..b@example.com',
      '"ann"@example.com',
      'ann(comment)@example.com',
      'Ann (comment) <ann@example.com>',
      'Ann: <ann@example.com>',
      '"unterminated <ann@example.com>',
      'Ann <ann@example.com',
      `${'a'.repeat(65)}@example.com`,
      `a@${'b'.repeat(64)}.com`,
      `a@${'b.'.repeat(130)}com`,
    ]) {
      refused(input, 'invalid_email_address')
    }
    refused(42 as never, 'invalid_email_address')
    refused({ address: 42 } as never, 'invalid_email_address')
  })

  it('refuses huge hostile inputs (the patterns are linear: no ReDoS, cf. CVE-2023-36053)', () => {
    for (const input of [
      `${'a.'.repeat(50_000)}@example.com`,
      `${'a'.repeat(100_000)}@x`,
      `"${'\\"'.repeat(50_000)} <a@example.com>`,
      `a@${'b-'.repeat(50_000)}`,
      `${'<'.repeat(100_000)}>`,
    ]) {
      refused(input, 'invalid_email_address')
    }
  })

  it('never repeats the value in the error message', () => {
    assert.throws(
      () => parse('<script>@evil.test, x@y.z'),
      (error: unknown) => error instanceof MailHeaderError && !error.message.includes('script'),
    )
  })
})

describe('formatAddress', () => {
  it('quotes display names only when needed, and round-trips', () => {
    for (const [input, expected] of [
      ['ann@example.com', 'ann@example.com'],
      ['Ann Lee <ann@example.com>', 'Ann Lee <ann@example.com>'],
      ['"Lee, Ann" <ann@example.com>', '"Lee, Ann" <ann@example.com>'],
      ['John Q. Public <jqp@example.com>', '"John Q. Public" <jqp@example.com>'],
      ['"A \\"B\\"" <a@example.com>', '"A \\"B\\"" <a@example.com>'],
      ['Zoë <zoe@bücher.de>', 'Zoë <zoe@bücher.de>'],
    ] as const) {
      const formatted = formatAddress(parse(input))
      assert.equal(formatted, expected)
      assert.deepEqual(parse(formatted), parse(input))
    }
  })
})
