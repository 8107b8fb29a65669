#!/usr/bin/env node
'use strict';
// The command line entry point; the implementation lives in the compiled library.
require('../dist/cli/main.js')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
