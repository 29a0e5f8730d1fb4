namespace DistNet.Training;

/// <summary>
/// Marks every message DistNet's actors exchange. Serializers bind to this interface, and
/// every implementation is an immutable record of plain data (no actor state, no live objects),
/// so it can cross a process boundary.
/// </summary>
public interface IDistNetMessage;
