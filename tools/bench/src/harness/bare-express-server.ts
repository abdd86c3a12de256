/**
 * The baseline of item 5: a bare express 5 app that answers GET /v1/files/:id with a fixed JSON
 * body — what the gateway's metadata GET would cost without auth, rate limit, policy and gRPC.
 * Runs as its own process (like the gateway): BENCH_PORT, BENCH_BODY (the JSON to send).
 */
import express from 'express';

const port = Number(process.env['BENCH_PORT']);
const body = JSON.parse(process.env['BENCH_BODY'] ?? '{}') as unknown;
const app = express();
app.get('/v1/files/:id', (_request, response) => {
  response.json(body);
});
const server = app.listen(port, '127.0.0.1', () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
