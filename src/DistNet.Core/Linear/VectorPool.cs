namespace DistNet.Core.Linear;

/// <summary>
/// Hands back float vectors of exactly the requested length, reusing returned ones. A training
/// step moves model-sized vectors between threads (weights out, gradients in); allocating them
/// fresh each step made the GC promote and copy them every few steps (7 % of a step's time for
/// 784-256-128-10 in process). Unlike <see cref="System.Buffers.ArrayPool{T}"/> it never hands out
/// a longer array: these vectors travel in messages whose length is their meaning.
/// </summary>
/// <remarks>
/// Thread-safe: it is an allocator, like the GC, shared by whoever moves vectors. A vector may be
/// returned only by its last user, once nobody reads it any more.
/// </remarks>
public static class VectorPool
{
    /// <summary>Shorter vectors are cheap to allocate and not worth keeping.</summary>
    public const int MinimumLength = 16 * 1024;
    private const int KeptPerLength = 16;

    private static readonly Dictionary<int, Stack<float[]>> Free = new();

    /// <summary>A vector of this length with arbitrary contents.</summary>
    public static float[] Rent(int length)
    {
        if (length >= MinimumLength)
            lock (Free)
                if (Free.TryGetValue(length, out var stack) && stack.Count > 0) return stack.Pop();
        return GC.AllocateUninitializedArray<float>(length);
    }

    public static float[] RentCopy(ReadOnlySpan<float> values)
    {
        var copy = Rent(values.Length);
        values.CopyTo(copy);
        return copy;
    }

    public static void Return(float[] vector)
    {
        if (vector.Length < MinimumLength) return;
        lock (Free)
        {
            if (!Free.TryGetValue(vector.Length, out var stack)) Free[vector.Length] = stack = new Stack<float[]>();
            if (stack.Count < KeptPerLength && !stack.Contains(vector)) stack.Push(vector);
        }
    }
}
