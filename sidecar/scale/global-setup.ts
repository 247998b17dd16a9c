import { buildSidecar } from '../faults/support/build';

/** Builds the sidecar once (the fault suite's build, into .cache/faults-build) for the replica processes. */
export default function globalSetup(): void {
  buildSidecar();
}
