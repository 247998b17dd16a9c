/**
 * Makes one unary and one streamed Gemini call with the official `@google/genai` client and prints their text as
 * JSON. Run as its own process (tsx), because the client dispatches through Node's global Undici dispatcher,
 * which jest's sandboxed global does not hold. Input: argv[2] base URL (…/gemini), argv[3] API key,
 * argv[4] model, argv[5] prompt. Used by native-passthrough.e2e.test.ts.
 */
async function main(): Promise<void> {
  // A dynamic import: the package's types are ESM-only, though it ships a CommonJS build for Node.
  const { GoogleGenAI } = await import('@google/genai');
  const [baseUrl = '', apiKey = '', model = '', prompt = ''] = process.argv.slice(2);
  const client = new GoogleGenAI({ apiKey, httpOptions: { baseUrl } });
  const unary = await client.models.generateContent({ model, contents: prompt });
  let streamed = '';
  for await (const chunk of await client.models.generateContentStream({ model, contents: prompt })) streamed += chunk.text ?? '';
  process.stdout.write(JSON.stringify({ text: unary.text, streamed }));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
