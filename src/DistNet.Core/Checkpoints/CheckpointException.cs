namespace DistNet.Core.Checkpoints;

/// <summary>
/// A checkpoint file that cannot be used: missing, unreadable, truncated, damaged or of an
/// unknown format. The message is one line naming the file and the problem; <see cref="Reason"/>
/// is the problem alone, for lists of skipped files.
/// </summary>
public sealed class CheckpointException(string path, string reason) : Exception($"{path}: {reason}")
{
    public string Path { get; } = path;

    public string Reason { get; } = reason;
}
