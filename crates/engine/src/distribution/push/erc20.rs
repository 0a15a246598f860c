//! The ERC-20 calls the push makes. Kept in this one place so it can be switched to the chain
//! crate's binding.

alloy::sol! {
    /// The ERC-20 calls the push makes.
    #[allow(missing_docs)]
    #[derive(Debug)]
    interface IERC20Push {
        function balanceOf(address account) external view returns (uint256);
        function allowance(address owner, address spender) external view returns (uint256);
        function approve(address spender, uint256 amount) external returns (bool);
    }
}
