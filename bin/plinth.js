#!/usr/bin/env node
// The `plinth` command. Everything lives in plinth/cli; this file only hands it the arguments.
import { main } from 'plinth/cli'

process.exitCode = await main(process.argv.slice(2))
