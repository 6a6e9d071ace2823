// Conformance with the official `@anthropic-ai/sdk` package against llmgw's /v1/messages:
// what a team pointing Claude code at llmgw relies on, whatever provider backs the group.
// Usage: node anthropic_conformance.mjs BASE_URL API_KEY MODEL [TOOL_MODEL]
import Anthropic from '@anthropic-ai/sdk';
import assert from 'node:assert/strict';
import { check, report } from './check.mjs';

const [baseURL, apiKey, model, toolModel] = process.argv.slice(2);
const client = new Anthropic({ baseURL, apiKey, maxRetries: 0, timeout: 20000 });

await check('messages.create (non-streaming)', async () => {
  const m = await client.messages.create({
    model, max_tokens: 64, system: 'Be terse.', messages: [{ role: 'user', content: 'Say hi' }],
  });
  assert.equal(m.type, 'message');
  assert.equal(m.role, 'assistant');
  assert.equal(m.content[0].type, 'text');
  assert.ok(m.content[0].text.length > 0);
  assert.equal(m.stop_reason, 'end_turn');
  assert.ok(m.usage.output_tokens > 0);
});

await check('messages.create stream: every event through the iterator', async () => {
  const stream = await client.messages.create({
    model, max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Say hi' }],
  });
  const types = [];
  let text = '';
  let usage = null;
  for await (const event of stream) {
    types.push(event.type);
    if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    if (event.type === 'message_delta') usage = event.usage;
  }
  assert.equal(types[0], 'message_start');
  assert.equal(types.at(-1), 'message_stop');
  assert.ok(types.includes('content_block_start') && types.includes('content_block_stop'));
  assert.ok(text.length > 0);
  assert.ok(usage && usage.output_tokens > 0, 'message_delta carries usage');
  console.log(`stream: ${types.length} events, text "${text}", usage ${JSON.stringify(usage)}`);
});

await check('messages.stream helper assembles the final message', async () => {
  const final = await client.messages.stream({
    model, max_tokens: 64, messages: [{ role: 'user', content: 'Say hi' }],
  }).finalMessage();
  assert.equal(final.content[0].type, 'text');
  assert.ok(final.content[0].text.length > 0);
});

await check('unknown model raises NotFoundError', async () => {
  await assert.rejects(
    client.messages.create({ model: 'no-such-model', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }),
    (err) => err instanceof Anthropic.NotFoundError && err.error?.error?.type === 'not_found_error');
});

await check('wrong key raises AuthenticationError', async () => {
  const bad = new Anthropic({ baseURL, apiKey: 'sk-wrong-key', maxRetries: 0 });
  await assert.rejects(
    bad.messages.create({ model, max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }),
    (err) => err instanceof Anthropic.AuthenticationError);
});

const weather = {
  name: 'get_weather', description: 'Current weather of a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

if (toolModel) {
  await check('tool use round trip (tool_use, tool_result, answer)', async () => {
    const ask = [{ role: 'user', content: 'Weather in Paris?' }];
    const first = await client.messages.create({ model: toolModel, max_tokens: 64, tools: [weather], messages: ask });
    assert.equal(first.stop_reason, 'tool_use');
    const use = first.content.find((b) => b.type === 'tool_use');
    assert.equal(use.name, 'get_weather');
    assert.deepEqual(use.input, { city: 'Paris' });
    const second = await client.messages.create({
      model: toolModel, max_tokens: 64, tools: [weather],
      messages: [...ask, { role: 'assistant', content: first.content },
                 { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '18C' }] }],
    });
    assert.equal(second.stop_reason, 'end_turn');
    assert.ok(second.content[0].text.length > 0);
  });

  await check('streamed tool use assembles through the stream helper', async () => {
    const final = await client.messages.stream({
      model: toolModel, max_tokens: 64, tools: [weather], messages: [{ role: 'user', content: 'Weather in Paris?' }],
    }).finalMessage();
    const use = final.content.find((b) => b.type === 'tool_use');
    assert.equal(final.stop_reason, 'tool_use');
    assert.deepEqual(use.input, { city: 'Paris' });
  });
}

report();
