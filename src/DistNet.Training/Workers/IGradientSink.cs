namespace DistNet.Training.Workers;

/// <summary>
/// Takes the ranges of an answer's gradient as they become final during the backward pass, so that
/// a transport can send them while the rest is still being computed. Called on the worker's thread;
/// the worker writes no element of a range after reporting it, and reports every element of a
/// vector exactly once before the answer that carries it.
/// </summary>
public interface IGradientSink
{
    void Ready(long taskId, int shard, float[] gradient, int start, int count);
}
