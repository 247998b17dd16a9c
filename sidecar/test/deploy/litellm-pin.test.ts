import { readDockerfile } from './helpers/dockerfile';
import { readCompose, readRepoFile, readServiceEnvironment } from './helpers/repo-files';

// LiteLLM's 2026 releases include a compromised PyPI release and an auth-bypass fix: the
// stack pins one exact release, the same in the image, the Zeabur image and the local venv.
const EXACT_TAG = /^ghcr\.io\/berriai\/litellm:v(\d+\.\d+\.\d+)$/;

describe('the LiteLLM version', () => {
  const compose = readCompose();
  const composeImage = compose.services.litellm?.image ?? '';

  it('is an exact release tag in docker-compose.yml, never main-latest or another floating tag', () => {
    expect(composeImage).toMatch(EXACT_TAG);
  });

  it('is the same in litellm/Dockerfile, which adds only config.yaml to the stock image', () => {
    const { stages, instructions } = readDockerfile('litellm/Dockerfile');
    expect(stages.map((stage) => stage.image)).toEqual([composeImage]);
    const copies = instructions.filter((instruction) => ['COPY', 'ADD'].includes(instruction.keyword));
    expect(copies.map((instruction) => instruction.args)).toEqual(['config.yaml /app/config.yaml']);
    expect(instructions.filter((instruction) => instruction.keyword === 'RUN')).toEqual([]);
  });

  it('is the same PyPI release that start.sh installs', () => {
    const version = EXACT_TAG.exec(composeImage)?.[1];
    expect(readRepoFile('start.sh')).toContain(`LITELLM_VERSION="${version}"`);
  });

  it('runs with the admin UI off and the repository config.yaml, in compose and in the baked image', () => {
    const litellm = compose.services.litellm ?? {};
    expect(readServiceEnvironment(litellm).DISABLE_ADMIN_UI).toBe('True');
    expect(litellm.volumes).toContain('./config.yaml:/app/config.yaml:ro');
    expect(litellm.command).toEqual(['--config', '/app/config.yaml', '--port', '4000']);
    const baked = readDockerfile('litellm/Dockerfile').instructions;
    expect(baked.find((instruction) => instruction.keyword === 'ENV')?.args).toBe('DISABLE_ADMIN_UI=True');
    expect(baked.find((instruction) => instruction.keyword === 'CMD')?.args).toBe(JSON.stringify(litellm.command).replace(/,/g, ', '));
  });
});
