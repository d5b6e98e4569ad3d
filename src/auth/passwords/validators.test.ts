/**
 * Password validators (Django's AUTH_PASSWORD_VALIDATORS): each with passwords it must accept
 * and refuse, unicode, megabyte-long inputs, and the exact user-facing messages.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { PlinthError } from '../../http/index.ts'
import {
  commonPassword,
  defaultPasswordValidators,
  maximumLength,
  minimumLength,
  numericPassword,
  passwordHelpTexts,
  userAttributeSimilarity,
  validatePassword,
} from './validators.ts'

const codes = (password: string, options?: Parameters<typeof validatePassword>[1]) =>
  validatePassword(password, options).map((p) => p.code)

describe('minimumLength', () => {
  const validators = [minimumLength()]

  it('refuses fewer than 8 characters with a clear message', () => {
    assert.deepEqual(validatePassword('seven77', { validators }), [
      {
        code: 'password_too_short',
        message: 'This password is too short. It must contain at least 8 characters.',
      },
    ])
    assert.deepEqual(validatePassword('', { validators }).length, 1)
    assert.deepEqual(validatePassword('eight888', { validators }), [])
  })

  it('counts characters, not bytes or UTF-16 units', () => {
    assert.deepEqual(codes('🔐🔐🔐🔐', { validators }), ['password_too_short']) // 8 UTF-16 units
    assert.deepEqual(codes('ééééééé', { validators }), ['password_too_short']) // 14 bytes
    assert.deepEqual(codes('密码密码密码密码', { validators }), [])
  })

  it('takes another length, and refuses a nonsense one', () => {
    assert.equal(validatePassword('abc', { validators: [minimumLength(1)] }).length, 0)
    assert.match(
      validatePassword('', { validators: [minimumLength(1)] })[0]!.message,
      /at least 1 character\.$/,
    )
    assert.equal(minimumLength(12).help, 'Your password must contain at least 12 characters.')
    for (const n of [0, -1, 1.5, Number.NaN])
      assert.throws(
        () => minimumLength(n),
        (e) => e instanceof PlinthError && e.code === 'PLINTH_AUTH_PASSWORD_VALIDATOR_CONFIG',
      )
  })
})

describe('maximumLength', () => {
  it('refuses more than 4096 bytes of UTF-8, like the hasher', () => {
    const validators = [maximumLength()]
    assert.deepEqual(codes('x'.repeat(4096), { validators }), [])
    assert.deepEqual(codes('x'.repeat(4097), { validators }), ['password_too_long'])
    assert.deepEqual(codes('é'.repeat(2049), { validators }), ['password_too_long'])
    assert.equal(
      validatePassword('x'.repeat(1024 * 1024), { validators })[0]?.message,
      'This password is too long. It must be at most 4096 bytes long.',
    )
  })
})

describe('commonPassword', () => {
  const validators = [commonPassword()]

  it('refuses listed passwords case-insensitively and ignoring surrounding spaces', () => {
    for (const password of ['password', 'PassWord', ' qwerty ', '123456', 'iloveyou', 'Dragon'])
      assert.deepEqual(validatePassword(password, { validators }), [
        { code: 'password_too_common', message: 'This password is too common.' },
      ])
  })

  it('accepts passwords not on the list', () => {
    for (const password of ['kV9#qz!m2Lw', 'correct horse battery staple', 'pässwörd-🔐', ''])
      assert.deepEqual(validatePassword(password, { validators }), [])
    assert.deepEqual(validatePassword('x'.repeat(1024 * 1024), { validators }), [])
  })

  it('takes a custom list instead', () => {
    const custom = [commonPassword({ passwords: ['Plinth2024', ' hunter2 '] })]
    assert.deepEqual(codes('plinth2024', { validators: custom }), ['password_too_common'])
    assert.deepEqual(codes('HUNTER2', { validators: custom }), ['password_too_common'])
    assert.deepEqual(codes('password', { validators: custom }), [])
  })
})

describe('numericPassword', () => {
  const validators = [numericPassword()]

  it('refuses all-digit passwords in any script', () => {
    for (const password of ['12345678', '٠١٢٣٤٥٦٧٨٩', '１２３４５６７８', '0'])
      assert.deepEqual(validatePassword(password, { validators }), [
        { code: 'password_entirely_numeric', message: 'This password is entirely numeric.' },
      ])
    assert.deepEqual(codes('9'.repeat(1024 * 1024), { validators }), ['password_entirely_numeric'])
  })

  it('accepts anything with a non-digit', () => {
    for (const password of ['1234567a', '12 345', '-1234567', '1.5', '½¾', 'Ⅻ', '', '12345678\n'])
      assert.deepEqual(codes(password, { validators }), [], JSON.stringify(password))
  })
})

describe('userAttributeSimilarity', () => {
  const validators = [userAttributeSimilarity()]
  const user = {
    username: 'ada_lovelace',
    email: 'ada.lovelace@example.com',
    firstName: 'Ada',
    lastName: 'Lovelace',
  }

  it('refuses passwords close to an attribute or one of its parts', () => {
    assert.deepEqual(validatePassword('ada_lovelace!', { user, validators }), [
      { code: 'password_too_similar', message: 'The password is too similar to the username.' },
    ])
    assert.deepEqual(validatePassword('LOVELACE1', { user: { email: user.email }, validators }), [
      {
        code: 'password_too_similar',
        message: 'The password is too similar to the email address.',
      },
    ])
    assert.equal(
      validatePassword('ecalevol', { user: { lastName: 'Lovelace' }, validators })[0]?.message,
      'The password is too similar to the last name.',
    )
  })

  it('accepts unrelated passwords and users without the attributes', () => {
    assert.deepEqual(codes('kV9#qz!m2Lw', { user, validators }), [])
    assert.deepEqual(codes('ada_lovelace', { validators }), []) // no user
    assert.deepEqual(codes('ada_lovelace', { user: {}, validators }), [])
    assert.deepEqual(codes('ada_lovelace', { user: { username: 42, email: null }, validators }), [])
    assert.deepEqual(codes('', { user: { username: '' }, validators }), [])
  })

  it('compares unicode case-insensitively, by code point', () => {
    const émile = { firstName: 'ÉMILE', username: '𝔸𝔹ℂ𝔻' }
    assert.deepEqual(codes('émile123', { user: émile, validators }), ['password_too_similar'])
    assert.deepEqual(codes('𝔸𝔹ℂ𝔻!', { user: émile, validators }), ['password_too_similar'])
    assert.deepEqual(codes('zzzzzzzzzzzzz', { user: émile, validators }), [])
  })

  it('skips the comparison for passwords far longer than the value (1 MB is cheap)', () => {
    const huge = 'ada'.repeat(350_000)
    assert.deepEqual(codes(huge, { user, validators }), [])
  })

  it('honours attributes, maxSimilarity and labels', () => {
    const strict = userAttributeSimilarity({
      attributes: ['nickname'],
      maxSimilarity: 0.5,
      labels: { nickname: 'display name' },
    })
    assert.deepEqual(
      validatePassword('adaxyz', { user: { nickname: 'ada' }, validators: [strict] }),
      [
        {
          code: 'password_too_similar',
          message: 'The password is too similar to the display name.',
        },
      ],
    )
    assert.deepEqual(codes('adaxyz', { user: { username: 'ada' }, validators: [strict] }), [])
    for (const maxSimilarity of [0, 0.05, 1.5, Number.NaN])
      assert.throws(() => userAttributeSimilarity({ maxSimilarity }), PlinthError)
  })
})

describe('validatePassword with the defaults', () => {
  it('returns every problem, in order, and nothing for a good password', () => {
    assert.deepEqual(codes('12345678'), ['password_too_common', 'password_entirely_numeric'])
    assert.deepEqual(codes('1234'), [
      'password_too_short',
      'password_too_common',
      'password_entirely_numeric',
    ])
    assert.deepEqual(codes('ada_lovelace', { user: { username: 'ada_lovelace' } }), [
      'password_too_similar',
    ])
    assert.deepEqual(codes('x'.repeat(5000)), ['password_too_long'])
    assert.deepEqual(
      validatePassword('correct horse battery staple', { user: { username: 'ada' } }),
      [],
    )
    assert.deepEqual(validatePassword('kV9#qz!m2Lw', { user: null }), [])
  })

  it('answers a non-string without throwing', () => {
    assert.deepEqual(codes(['a', 'b'] as unknown as string), ['password_invalid'])
  })

  it('has help texts for forms', () => {
    assert.deepEqual(passwordHelpTexts(), [
      "Your password can't be too similar to your other personal information.",
      'Your password must contain at least 8 characters.',
      'Your password must be at most 4096 bytes long.',
      "Your password can't be a commonly used password.",
      "Your password can't be entirely numeric.",
    ])
    assert.equal(defaultPasswordValidators.length, 5)
    assert.ok(Object.isFrozen(defaultPasswordValidators))
  })
})
