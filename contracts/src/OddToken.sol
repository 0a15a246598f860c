// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title OddToken
/// @notice For scan tests only: a token that describes itself badly, as old and hostile tokens
/// do. `name()` reverts and `symbol()` is the pre-standard `bytes32`; balances and `Transfer`
/// events are ordinary, so holders can move it.
contract OddToken {
    event Transfer(address indexed from, address indexed to, uint256 value);

    mapping(address => uint256) public balanceOf;

    function name() external pure returns (string memory) {
        revert("no name");
    }

    function symbol() external pure returns (bytes32) {
        return "ODD";
    }

    function decimals() external pure returns (uint8) {
        return 18;
    }

    /// @notice Creates `amount` tokens for `to`.
    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    /// @notice Moves the caller's tokens.
    function transfer(address to, uint256 amount) external returns (bool) {
        balanceOf[msg.sender] -= amount;
        balanceOf[to] += amount;
        emit Transfer(msg.sender, to, amount);
        return true;
    }
}
