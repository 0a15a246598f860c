// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/// @title TestNFT
/// @notice An ERC-721 for tests only: anyone may mint, burn and move any token. Every change goes
/// through OpenZeppelin's `_update` and emits a standard `Transfer` event.
contract TestNFT is ERC721 {
    constructor() ERC721("Test NFT", "TNFT") {}

    /// @notice Mints token `id` to `to`.
    function mint(address to, uint256 id) external {
        _mint(to, id);
    }

    /// @notice Burns token `id`.
    function burn(uint256 id) external {
        _burn(id);
    }

    /// @notice Many moves in one transaction: token `ids[i]` goes to `to[i]` (minted if it does
    /// not exist yet, burned if `to[i]` is zero, a self-transfer if `to[i]` already owns it).
    function shuffle(address[] calldata to, uint256[] calldata ids) external {
        require(to.length == ids.length, "length mismatch");
        for (uint256 i = 0; i < to.length; ++i) {
            _update(to[i], ids[i], address(0));
        }
    }
}
