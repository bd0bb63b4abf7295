/**
 * Imported first by the program. Pulumi's Node.js runtime installs source-map-support, which
 * rebuilds every frame of every stack trace through the source maps, and the SDK takes a stack
 * trace for each promise it creates and each resource it registers (debuggable.ts,
 * Resource.callsites). On a fleet of 10 hosts that was about 3.6 s of the program's 8 s of CPU
 * (bench/README.md). V8 formats stacks natively, and Node maps positions to the TypeScript source
 * itself once source maps are enabled, so error messages still name .ts lines.
 */
delete (Error as { prepareStackTrace?: unknown }).prepareStackTrace;
process.setSourceMapsEnabled(true);
