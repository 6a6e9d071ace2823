// grpc.health.v1 from Node, the practical stand-in for grpc_health_probe (not in Debian).
//   node grpc_health.mjs check HOST:PORT [SERVICE...]   exit 0 when every one is SERVING
//   node grpc_health.mjs watch HOST:PORT SERVICE        prints each status as it arrives
//   node grpc_health.mjs system HOST:PORT               the HealthAggregator's GetSystemHealth
//                                                        (exit 0 SERVING/DEGRADED, 4 NOT_SERVING)
//   node grpc_health.mjs system-watch HOST:PORT         WatchSystemHealth: prints each verdict
//   node grpc_health.mjs slo HOST:PORT                  GetSlo: one line per objective
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const def = protoLoader.loadSync(path.join(here, '../../proto/grpc/health/v1/health.proto'), { enums: String });
const Health = grpc.loadPackageDefinition(def).grpc.health.v1.Health;

const [mode, addr, ...services] = process.argv.slice(2);
const client = new Health(addr, grpc.credentials.createInsecure());
const deadline = () => new Date(Date.now() + 3000);

if (mode === 'check') {
  const names = services.length ? services : [''];
  let ok = true;
  for (const service of names) {
    const status = await new Promise((resolve) =>
      client.check({ service }, { deadline: deadline() }, (err, resp) =>
        resolve(err ? `error ${err.code} ${err.details}` : resp.status)));
    console.log(`${service || '""'} ${status}`);
    if (status !== 'SERVING') ok = false;
  }
  process.exit(ok ? 0 : 4);
} else if (mode === 'watch') {
  const call = client.watch({ service: services[0] || '' });
  call.on('data', (resp) => console.log(`${Date.now()} ${resp.status}`));
  call.on('error', (err) => { console.log(`${Date.now()} END ${err.code}`); process.exit(0); });
  call.on('end', () => { console.log(`${Date.now()} END`); process.exit(0); });
} else if (mode === 'system' || mode === 'system-watch' || mode === 'slo') {
  // GetSlo's fields as the proto spells them, zeros included (an untouched budget is 1, a
  // quiet burn rate 0).
  const options = mode === 'slo' ? { keepCase: true, defaults: true } : {};
  const aggDef = protoLoader.loadSync(path.join(here, '../../proto/llmgw/health/v1/health_aggregator.proto'),
    { enums: String, includeDirs: ['/usr/include'], ...options });
  const Aggregator = grpc.loadPackageDefinition(aggDef).llmgw.health.v1.HealthAggregator;
  const agg = new Aggregator(addr, grpc.credentials.createInsecure());
  if (mode === 'slo') {
    agg.getSlo({}, { deadline: deadline() }, (err, resp) => {
      if (err) { console.log(`error ${err.code} ${err.details}`); process.exit(3); }
      console.log(`gateways ${resp.gateways} unreachable ${(resp.unreachable || []).length}`);
      for (const i of (resp.indicators || [])) {
        console.log(`${i.name} current=${i.current} target=${i.target} budget=${i.error_budget_remaining} ` +
                    `burn=${i.burn_rate} samples=${i.samples} met=${i.met}`);
      }
      process.exit(0);
    });
  } else if (mode === 'system-watch') {
    const call = agg.watchSystemHealth({});
    call.on('data', (h) => console.log(`${Date.now()} ${h.status} ${(h.reasons || []).join('; ')}`));
    call.on('error', (err) => { console.log(`${Date.now()} END ${err.code}`); process.exit(0); });
    call.on('end', () => { console.log(`${Date.now()} END`); process.exit(0); });
  } else agg.getSystemHealth({}, { deadline: deadline() }, (err, resp) => {
    if (err) { console.log(`error ${err.code} ${err.details}`); process.exit(3); }
    console.log(resp.status);
    for (const c of resp.components) console.log(`  ${c.name} ${c.status} ${c.reason}`);
    process.exit(resp.status === 'SYSTEM_STATUS_NOT_SERVING' ? 4 : 0);
  });
} else {
  console.error('usage: grpc_health.mjs check|watch|system HOST:PORT [SERVICE...]');
  process.exit(1);
}
