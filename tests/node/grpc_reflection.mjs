// Lists the services a server announces through gRPC server reflection (v1alpha, the only
// version gRPC 1.51 serves). Uses the grpc-proto package's reflection.proto.
//   node grpc_reflection.mjs HOST:PORT
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const def = protoLoader.loadSync('grpc/reflection/v1alpha/reflection.proto', {
  includeDirs: ['/usr/share/grpc-proto'], keepCase: true,
});
const Reflection = grpc.loadPackageDefinition(def).grpc.reflection.v1alpha.ServerReflection;
const client = new Reflection(process.argv[2], grpc.credentials.createInsecure());
const call = client.ServerReflectionInfo({ deadline: new Date(Date.now() + 3000) });
call.on('data', (resp) => {
  for (const s of resp.list_services_response?.service ?? []) console.log(s.name);
  call.end();
});
call.on('error', (err) => { console.error(`reflection failed: ${err.message}`); process.exit(1); });
call.on('end', () => process.exit(0));
call.write({ list_services: '' });
