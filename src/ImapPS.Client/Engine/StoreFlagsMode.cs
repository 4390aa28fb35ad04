namespace ImapPS.Client
{
    /// <summary>How a STORE changes the flags of messages.</summary>
    public enum StoreFlagsMode
    {
        /// <summary>+FLAGS: adds the flags.</summary>
        Add,
        /// <summary>-FLAGS: removes the flags.</summary>
        Remove,
        /// <summary>FLAGS: replaces the flags with these.</summary>
        Replace,
    }
}
