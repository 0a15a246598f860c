// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title EthForwarder
/// @notice Pays ETH onwards from a contract, so the recipients are paid by internal calls only:
/// no transaction names them. Tests use it to check that native-balances finds such addresses
/// through traces, and as a contract that is not a token.
contract EthForwarder {
    /// @notice Sends `amounts[i]` wei of the value received to `to[i]`.
    function pay(address payable[] calldata to, uint256[] calldata amounts) external payable {
        require(to.length == amounts.length, "length mismatch");
        for (uint256 i = 0; i < to.length; ++i) {
            (bool ok, ) = to[i].call{value: amounts[i]}("");
            require(ok, "payment failed");
        }
    }
}
