// The official `openai` package's embeddings API against llmgw: the SDK asks for base64 by
// default and decodes it, so this checks both encodings give the same vectors.
// Usage: node openai_embeddings.mjs BASE_URL API_KEY MODEL
import OpenAI from 'openai';
import assert from 'node:assert/strict';
import { check, report } from './check.mjs';

const [baseURL, apiKey, model] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 20000 });

await check('embeddings.create (SDK default: base64, decoded by the SDK)', async () => {
  const r = await client.embeddings.create({ model, input: ['hello world', 'second text'], dimensions: 8 });
  assert.equal(r.object, 'list');
  assert.equal(r.data.length, 2);
  assert.equal(r.data[1].index, 1);
  assert.equal(r.data[0].embedding.length, 8);
  assert.ok(r.data[0].embedding.every((x) => typeof x === 'number' && Number.isFinite(x)));
  assert.ok(r.usage.prompt_tokens > 0);
  const floats = await client.embeddings.create({
    model, input: ['hello world', 'second text'], dimensions: 8, encoding_format: 'float',
  });
  for (let i = 0; i < 8; i++) {
    assert.ok(Math.abs(floats.data[0].embedding[i] - r.data[0].embedding[i]) < 1e-6, `value ${i}`);
  }
  console.log(`embeddings: ${r.data.length} vectors of ${r.data[0].embedding.length}, usage ${JSON.stringify(r.usage)}`);
});

await check('embeddings.create with an unsupported parameter raises BadRequestError', async () => {
  await assert.rejects(client.embeddings.create({ model, input: 'x', input_type: 'query' }),
    (e) => e instanceof OpenAI.BadRequestError && e.status === 400);
});

report();
