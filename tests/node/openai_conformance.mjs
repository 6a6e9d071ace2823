// Conformance with the official `openai` npm package: what a team pointing its SDK at
// llmgw relies on. Usage: node openai_conformance.mjs BASE_URL API_KEY MODEL [TOOL_MODEL]
// TOOL_MODEL: a group whose provider answers with a tool call when offered a tool; adds a
// tool-call round trip, non-streaming and streaming.
import OpenAI from 'openai';
import assert from 'node:assert/strict';
import { check, report } from './check.mjs';

const [baseURL, apiKey, model, toolModel] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 20000 });

await check('chat.completions.create (non-streaming)', async () => {
  const r = await client.chat.completions.create({
    model, messages: [{ role: 'user', content: 'Say hi' }],
  });
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.choices[0].message.role, 'assistant');
  assert.ok(r.choices[0].message.content.length > 0);
  assert.equal(r.choices[0].finish_reason, 'stop');
  assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
});

await check('chat.completions.create stream: every chunk through the iterator, then usage', async () => {
  const stream = await client.chat.completions.create({
    model, stream: true, stream_options: { include_usage: true },
    messages: [{ role: 'user', content: 'Say hi' }],
  });
  let text = '';
  let chunks = 0;
  let finish = null;
  let usage = null;
  let id = null;
  for await (const chunk of stream) {
    chunks++;
    id ??= chunk.id;
    assert.equal(chunk.id, id, 'every chunk repeats the id');
    assert.equal(chunk.object, 'chat.completion.chunk');
    for (const c of chunk.choices) {
      text += c.delta?.content ?? '';
      if (c.finish_reason) finish = c.finish_reason;
    }
    if (chunk.usage) usage = chunk.usage;
  }
  assert.ok(chunks >= 3, `only ${chunks} chunks`);
  assert.ok(text.length > 0);
  assert.equal(finish, 'stop');
  assert.ok(usage, 'the final chunk carries usage');
  assert.ok(usage.completion_tokens > 0);
  assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
  console.log(`stream: ${chunks} chunks, text "${text}", usage ${JSON.stringify(usage)}`);
});

await check('stream without include_usage has no usage chunk', async () => {
  const stream = await client.chat.completions.create({
    model, stream: true, messages: [{ role: 'user', content: 'Say hi' }],
  });
  for await (const chunk of stream) assert.ok(!chunk.usage, 'no usage was asked for');
});

await check('models.list', async () => {
  const ids = [];
  for await (const m of client.models.list()) ids.push(m.id);
  assert.ok(ids.includes(model), `${model} not in ${ids}`);
});

await check('unknown model raises NotFoundError', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }),
    (err) => err instanceof OpenAI.NotFoundError && err.code === 'model_not_found');
});

await check('wrong key raises AuthenticationError', async () => {
  const bad = new OpenAI({ baseURL, apiKey: 'sk-wrong-key', maxRetries: 0 });
  await assert.rejects(bad.models.list(), (err) => err instanceof OpenAI.AuthenticationError);
});

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather of a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

if (toolModel) {
  await check('tool call round trip (call, result, answer)', async () => {
    const ask = [{ role: 'user', content: 'Weather in Paris?' }];
    const first = await client.chat.completions.create({ model: toolModel, messages: ask, tools: [weatherTool] });
    assert.equal(first.choices[0].finish_reason, 'tool_calls');
    const call = first.choices[0].message.tool_calls[0];
    assert.equal(call.type, 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });
    const second = await client.chat.completions.create({
      model: toolModel, tools: [weatherTool],
      messages: [...ask, first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: '18C, sunny' }],
    });
    assert.equal(second.choices[0].finish_reason, 'stop');
    assert.ok(second.choices[0].message.content.length > 0);
  });

  await check('streamed tool call assembles through the SDK helper', async () => {
    const runner = client.chat.completions.stream({
      model: toolModel, tools: [weatherTool], messages: [{ role: 'user', content: 'Weather in Paris?' }],
    });
    const done = await runner.finalChatCompletion();
    const call = done.choices[0].message.tool_calls[0];
    assert.equal(done.choices[0].finish_reason, 'tool_calls');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });
  });
}

report();
