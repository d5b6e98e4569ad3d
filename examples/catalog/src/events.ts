/**
 * Catalogue change notifications for the live stream (`/api/events`). Routes publish after their
 * transaction commits (`db.onCommit`), so listeners never hear of a change that was rolled back.
 */
export type ChangeType = 'created' | 'updated' | 'deleted'
export type ChangeEvent = { type: ChangeType; product: Record<string, unknown> }

export class ChangeFeed {
  readonly #listeners = new Set<(event: ChangeEvent) => void>()

  publish(type: ChangeType, product: Record<string, unknown>): void {
    const event = { type, product }
    for (const listener of this.#listeners) listener(event)
  }

  /** Subscribe to changes; returns the unsubscribe function. */
  subscribe(listener: (event: ChangeEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }
}
