/**
 * Template name checking, shared by every loader.
 *
 * A template name is a `/`-separated path relative to a loader's roots (`shop/products.html`).
 * Anything that a file system could read as "somewhere else" is refused before any file is
 * touched: absolute paths, `..` and `.` segments, empty segments, backslashes, colons (drive
 * letters, Windows alternate data streams), control characters. Percent signs are ordinary
 * characters: names are never URL-decoded, so `%2e%2e/x` looks for a directory literally named
 * `%2e%2e`. The same rules apply on every platform and in the memory loader, so a name that works
 * in tests works in production, and an app that works on Linux works on Windows.
 */
import { TemplatePathError } from '../errors.ts'

/** Longer names are refused: no real template needs them, and they only cost syscalls. */
const MAX_NAME_LENGTH = 1024

/** Device names that Windows opens whatever the directory or extension (`nul.html`). */
const WINDOWS_DEVICES = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\..*)?$/i

/**
 * Check a template name and return its segments, or throw {@link TemplatePathError}
 * (`PLINTH_TEMPLATE_PATH`) saying what is wrong with it.
 *
 * @param platform only changes the Windows-specific checks (device names, trailing dots and
 *   spaces); exposed so those checks can be tested anywhere.
 */
export function templateSegments(name: string, platform: string = process.platform): string[] {
  if (typeof name !== 'string') throw new TemplatePathError(String(name), 'it is not a string')
  if (name === '') throw new TemplatePathError(name, 'it is empty')
  if (name.length > MAX_NAME_LENGTH) {
    throw new TemplatePathError(name, `it is longer than ${MAX_NAME_LENGTH} characters`)
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse.
  if (/[\u0000-\u001f\u007f]/.test(name)) {
    throw new TemplatePathError(name, 'it contains a control character (such as NUL)')
  }
  if (name.includes('\\')) {
    throw new TemplatePathError(name, 'it contains a backslash; separate directories with "/"')
  }
  if (name.includes(':')) {
    throw new TemplatePathError(name, 'it contains a colon (a drive letter or a stream name)')
  }
  if (name.startsWith('/')) throw new TemplatePathError(name, 'it is an absolute path')
  const segments = name.split('/')
  for (const segment of segments) {
    if (segment === '') {
      throw new TemplatePathError(name, 'it has an empty segment ("//" or a trailing "/")')
    }
    if (segment === '..') throw new TemplatePathError(name, 'it contains a ".." segment')
    if (segment === '.') throw new TemplatePathError(name, 'it contains a "." segment')
    if (platform === 'win32') {
      if (WINDOWS_DEVICES.test(segment)) {
        throw new TemplatePathError(name, `"${segment}" is a Windows device name`)
      }
      // Windows drops trailing dots and spaces, so "a.html." would open "a.html".
      if (/[. ]$/.test(segment)) {
        throw new TemplatePathError(name, 'a segment ends with a dot or a space')
      }
    }
  }
  return segments
}

/** The name is one {@link templateSegments} accepts. */
export function isSafeTemplateName(name: string, platform: string = process.platform): boolean {
  try {
    templateSegments(name, platform)
    return true
  } catch {
    return false
  }
}
