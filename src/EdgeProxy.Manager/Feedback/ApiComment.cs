namespace EdgeProxy.Manager.Feedback;

/// <summary>One comment in an API's thread, with its author's display name.</summary>
public sealed class ApiComment
{
    public long Id { get; set; }

    public string ApiId { get; set; } = "";

    public long AuthorId { get; set; }

    public string Author { get; set; } = "";

    public string Body { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }
}
