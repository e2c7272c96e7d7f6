// Fresh-process probe for wall time: imports <spec> (or nothing for `none`) and exits.
const spec = process.argv[2];
if (spec !== 'none') await import(spec);
