import { interpretResponse } from '../../src/interpret';
import { dataFrames, endOfEventContaining, interpretSseBody, toSseBody } from './helpers';

/** A legacy text completion as OpenAI documents it. */
const completion = {
  id: 'cmpl-uqkvlQyYK7bGYrRHQ0eXlWi7',
  object: 'text_completion',
  created: 1589478378,
  model: 'gpt-3.5-turbo-instruct',
  system_fingerprint: 'fp_44709d6fcb',
  choices: [{ text: '\n\nThis is indeed a test', index: 0, logprobs: null, finish_reason: 'length' }],
  usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
};

describe('completions', () => {
  it('JSON: the text, model, usage, finish reason, id', () => {
    expect(interpretResponse('completions', completion)).toEqual({
      output: '\n\nThis is indeed a test',
      model: 'gpt-3.5-turbo-instruct',
      usage: { input: 5, output: 7, total: 12 },
      finishReason: 'length',
      responseId: 'cmpl-uqkvlQyYK7bGYrRHQ0eXlWi7',
    });
  });

  it('JSON: all texts when n > 1', () => {
    const facts = interpretResponse('completions', {
      ...completion,
      choices: [
        { text: 'A', index: 0, finish_reason: 'stop' },
        { text: 'B', index: 1, finish_reason: 'stop' },
      ],
    });
    expect(facts.output).toEqual(['A', 'B']);
  });

  it('stream: texts concatenated, usage from the final chunk', () => {
    const chunk = (text: string, finish: string | null = null) => ({ id: 'cmpl-7iA7iJjj8V2zOkCGvWF2hAkDWBQZe', object: 'text_completion', created: 1690759702, model: 'gpt-3.5-turbo-instruct', choices: [{ text, index: 0, logprobs: null, finish_reason: finish }] });
    const body = toSseBody(
      dataFrames(chunk(''), chunk('This'), chunk(' is a'), chunk(' test.', 'stop'), { id: 'cmpl-x', object: 'text_completion', choices: [], usage: { prompt_tokens: 4, completion_tokens: 5, total_tokens: 9 } }, '[DONE]'),
    );
    expect(interpretSseBody('completions', body)).toEqual({
      output: 'This is a test.',
      model: 'gpt-3.5-turbo-instruct',
      responseId: 'cmpl-7iA7iJjj8V2zOkCGvWF2hAkDWBQZe',
      usage: { input: 4, output: 5, total: 9 },
      finishReason: 'stop',
      firstContentOffset: endOfEventContaining(body, '"This"'),
    });
  });

  it('stream: an in-stream error', () => {
    const body = toSseBody(dataFrames({ error: { message: 'Rate limit reached', type: 'rate_limit_error', param: null, code: 429 } }));
    expect(interpretSseBody('completions', body)).toEqual({ error: { message: 'Rate limit reached', type: 'rate_limit_error', code: '429' } });
  });
});
