/**
 * HTML error pages: a plain page for production and the debug page (stack with source lines,
 * request data) for development. (Minimal version; the full debug page is being built.)
 */
import type { Context } from './context.ts'

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/** Escape text for HTML. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!)
}

/** A plain error page that reveals nothing internal. */
export function renderErrorPage(info: {
  status: number
  message: string
  requestId: string | undefined
}): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${info.status} ${escapeHtml(info.message)}</title></head><body><h1>${info.status}</h1><p>${escapeHtml(info.message)}</p>${info.requestId ? `<p>Request id: <code>${escapeHtml(info.requestId)}</code></p>` : ''}</body></html>`
}

/** The development debug page. */
export function renderDebugPage(info: { error: unknown; ctx: Context }): string {
  const error = info.error instanceof Error ? info.error : new Error(String(info.error))
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(error.name)}: ${escapeHtml(error.message)}</title></head><body><h1>${escapeHtml(error.name)}</h1><p>${escapeHtml(error.message)}</p><pre>${escapeHtml(error.stack ?? '')}</pre><p>${escapeHtml(info.ctx.method)} ${escapeHtml(info.ctx.req.url)}</p></body></html>`
}
