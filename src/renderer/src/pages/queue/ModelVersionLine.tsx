// "Ranked by run 7 'unet b16', epoch 12 (checkpoint 14:02)": which model version made a suggestion.
import type { ModelVersion } from '../../../../shared/contract';
import { hrefFor } from '../../router';

export function ModelVersionLine({ model }: { model: ModelVersion }) {
  return (
    <span data-testid="model-version" data-run-id={model.runId} data-epoch={model.epoch}>
      by <a href={hrefFor({ page: 'run', runId: model.runId })}>run {model.runId}</a> “{model.runName}”, epoch {model.epoch} (checkpoint{' '}
      {new Date(model.checkpointAt).toLocaleString()})
    </span>
  );
}
