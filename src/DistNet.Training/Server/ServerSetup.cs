using DistNet.Core.Data;
using DistNet.Core.Nn;
using DistNet.Core.Training;
using DistNet.Training.Faults;
using DistNet.Training.Telemetry;

namespace DistNet.Training.Server;

/// <summary>What the parameter server owns at the start: the model, the schedule, the validation data.</summary>
public sealed record ServerSetup(
    Mlp Model,
    int TrainingSamples,
    Dataset Validation,
    TrainerSettings Trainer,
    DistributedSettings Distributed,
    ITrainingObserver? Observer = null,
    RunTelemetry? Telemetry = null,
    FaultInjector? Faults = null,
    CheckpointSettings? Checkpoints = null,
    IWorkerHost? Host = null);
