// Intentionally empty: `coldstart.ts` times Node starting a TypeScript entry (type stripping).
